using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RingAttention.Tests.Distributed.Coordination;

/// <summary>A hand-made peer of the coordinator: a plain loopback socket that says whatever a test wants.</summary>
internal static class RawPeer
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    /// <summary>Connects to the coordinator on <paramref name="port"/>, retrying while rank 0 is still starting.</summary>
    public static Socket Connect(int port)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
                return socket;
            }
            catch (SocketException) when (clock.Elapsed < Bound)
            {
                socket.Dispose();
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Bytes received until the coordinator closed the connection; fails if it is still open after <paramref name="bound"/>.</summary>
    public static int ReceiveUntilClosed(Socket socket, TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        int total = 0;
        byte[] buffer = new byte[256];
        while (true)
        {
            TimeSpan left = bound - clock.Elapsed;
            Assert.True(left > TimeSpan.Zero && socket.Poll(left, SelectMode.SelectRead), $"the coordinator kept the connection open for {bound}");
            int received;
            try
            {
                received = socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return total; // dropped with a reset
            }

            if (received == 0)
            {
                return total;
            }

            total += received;
        }
    }
}
