using System.Net.Sockets;

namespace RingAttention.Distributed.Coordination;

/// <summary>Accepting connections and the handshake: a stranger is dropped before it can take a rank's place.</summary>
internal sealed partial class CoordinatorServer
{
    private void Accept()
    {
        try
        {
            while (!Volatile.Read(ref _stopping))
            {
                if (_listener.Poll(AcceptNap, SelectMode.SelectRead) && TryAccept() is { } socket)
                {
                    new Thread(() => Serve(socket)) { IsBackground = true, Name = "coordinator-connection" }.Start();
                }

                WatchJoinDeadline();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the listener was closed by Stop
        }
    }

    /// <summary>
    /// The listener is non-blocking: a connection reset between the poll and the accept leaves nothing to accept,
    /// and a blocking accept would then wait for the next one with no deadline.
    /// </summary>
    private Socket? TryAccept()
    {
        try
        {
            Socket socket = _listener.Accept();
            socket.Blocking = true; // reads and sends have their own deadlines (polls and the send timeout)
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted or SocketError.ConnectionReset)
        {
            return null;
        }
    }

    private void WatchJoinDeadline()
    {
        if (!_joinDeadline.HasPassed)
        {
            return;
        }

        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            if (_phase == Phase.Joining)
            {
                FailForming(_roster.MissingRanks(_options.JoinTimeout));
            }

            _settled.Set();
        }
    }

    /// <summary>One connection: the handshake (bounded by the handshake timeout), admission, then the link's loop.</summary>
    private void Serve(Socket socket)
    {
        var link = new CoordinatorLink(socket, _options.PeerTimeout);
        lock (_gate)
        {
            if (_stopping)
            {
                link.Close(abortive: true);
                return;
            }

            _open.Add(link);
            if (_frozen)
            {
                link.Freeze();
            }
        }

        Hello? hello = ReadHello(link);
        if (hello is null)
        {
            Forget(link, abortive: true);
            return;
        }

        CoordinatorLog.CheckedIn(_logger, _where, link.Peer, hello.Rank, hello.WorldSize);
        if (Admit(link, hello))
        {
            link.Run(this, _options.HeartbeatInterval, _options.PeerTimeout);
        }
        else
        {
            Forget(link);
        }
    }

    /// <summary>The hello of a rank of some job, or null (logged) for a stranger: wrong magic, garbage, silence, or an early close.</summary>
    private Hello? ReadHello(CoordinatorLink link)
    {
        var deadline = Deadline.In(_options.HandshakeTimeout);
        string? drop;
        try
        {
            if (!ReceiveMagic(link, deadline))
            {
                drop = "its first bytes are not the coordinator's magic";
            }
            else
            {
                Frame frame = link.Receive(deadline);
                if (frame.Kind == FrameKind.Hello)
                {
                    return Hello.Parse(frame.Body);
                }

                drop = CoordinatorText.Format($"its first frame is {frame.Kind}, not a hello");
            }
        }
        catch (TimeoutException)
        {
            drop = CoordinatorText.Format($"it did not introduce itself within {CoordinatorText.Seconds(_options.HandshakeTimeout)}");
        }
        catch (Exception e) when (e is EndOfStreamException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            drop = CoordinatorText.Format($"its connection ended or broke the protocol during the handshake ({e.GetType().Name})");
        }

        CoordinatorLog.StrangerDropped(_logger, _where, link.Peer, drop);
        return null;
    }

    /// <summary>Reads the magic, comparing each byte as it comes, so a stranger is known by its first wrong byte, not after eight.</summary>
    private static bool ReceiveMagic(CoordinatorLink link, Deadline deadline)
    {
        ReadOnlySpan<byte> expected = Hello.Magic;
        Span<byte> received = stackalloc byte[expected.Length];
        int have = 0;
        while (have < expected.Length)
        {
            int got = link.ReceiveSome(received[have..], deadline);
            if (!received.Slice(have, got).SequenceEqual(expected.Slice(have, got)))
            {
                return false;
            }

            have += got;
        }

        return true;
    }
}
