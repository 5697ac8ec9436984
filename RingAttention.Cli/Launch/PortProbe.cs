using System.Net;
using System.Net.Sockets;

namespace RingAttention.Cli.Launch;

/// <summary>Finds a TCP port that is free now, for a single-node launch that was given none.</summary>
internal static class PortProbe
{
    /// <summary>
    /// Binds port 0 on <paramref name="address"/> (an IP address or a host name), lets the kernel pick a free port,
    /// releases it and returns it. Another process may take it before rank 0 binds it; the kernel hands out
    /// ephemeral ports in rotation, so that is rare, and rank 0 then fails at once with "address in use".
    /// </summary>
    /// <exception cref="SocketException">The address is not local or cannot be resolved.</exception>
    public static int FindFreePort(string address)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        IPAddress ip = IPAddress.TryParse(address, out IPAddress? parsed)
            ? parsed
            : Dns.GetHostAddresses(address).FirstOrDefault() ?? throw new SocketException((int)SocketError.HostNotFound);
        var listener = new TcpListener(ip, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
