using System.Net;
using System.Net.Sockets;

namespace RingAttention.Distributed.Coordination;

/// <summary>Turns MASTER_ADDR and MASTER_PORT into the endpoint rank 0 binds and every rank connects to.</summary>
internal static class CoordinatorEndpoint
{
    /// <summary>A literal address as it is; a host name looked up within <paramref name="timeout"/>, IPv4 first.</summary>
    public static IPEndPoint Resolve(string address, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(address, out IPAddress? literal))
        {
            return new IPEndPoint(literal, port);
        }

        IPAddress[] found;
        try
        {
            Task<IPAddress[]> lookup = Dns.GetHostAddressesAsync(address, cancellationToken);
            if (!lookup.Wait(timeout, cancellationToken))
            {
                throw new CoordinatorException(CoordinatorText.Format($"could not resolve the coordinator's address \"{address}\" within {CoordinatorText.Seconds(timeout)}."));
            }

            found = lookup.Result;
        }
        catch (AggregateException e) when (e.InnerException is SocketException lookupError)
        {
            throw new CoordinatorException(CoordinatorText.Format($"could not resolve the coordinator's address \"{address}\": {lookupError.Message}"), lookupError);
        }

        IPAddress? best = found.FirstOrDefault(ip => ip.AddressFamily == AddressFamily.InterNetwork) ?? found.FirstOrDefault();
        return best is null
            ? throw new CoordinatorException(CoordinatorText.Format($"the coordinator's address \"{address}\" resolves to nothing."))
            : new IPEndPoint(best, port);
    }
}
