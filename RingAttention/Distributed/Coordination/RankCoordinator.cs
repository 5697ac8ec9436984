using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RingAttention.Distributed.Coordination;

/// <summary>
/// The job's control plane beside NCCL, one per process: ranks meet at rank 0's coordinator (MASTER_ADDR and
/// MASTER_PORT), agree on a job fingerprint, receive rank 0's payload (the NCCL unique id), and then learn within a
/// heartbeat or two that a peer died, hung, failed or that rank 0 is gone. NCCL over NVLink never reports a dead
/// peer, so <see cref="Failed"/> is the signal a watchdog waits on to abort the communicator instead of hanging.
/// </summary>
/// <remarks>
/// <para>
/// Security: the coordinator has no authentication. The magic and the job id only keep two jobs on one cluster from
/// talking to each other by mistake. The port must not be reachable from outside the cluster (firewall it, or bind
/// MASTER_ADDR to a private interface): anyone who can connect can read the payload or tell the job it failed.
/// </para>
/// <para>
/// Every wait is bounded by <see cref="CoordinatorOptions"/>; <see cref="Dispose"/> never hangs. A background
/// thread per connection sends heartbeats and reads, so a busy thread pool cannot make a healthy rank look dead.
/// </para>
/// </remarks>
public sealed class RankCoordinator : IDisposable
{
    /// <summary>The largest payload rank 0 may hand out; an NCCL unique id is 128 bytes.</summary>
    public const int MaxPayloadBytes = 16 * 1024;

    /// <summary>The longest job id, fingerprint or failure reason, in characters; longer reasons are cut.</summary>
    public const int MaxTextLength = 4096;

    private readonly CoordinatorClient _client;
    private readonly CoordinatorServer? _server;
    private readonly TimeSpan _leaveTimeout;
    private readonly Lock _gate = new();
    private bool _left;

    private RankCoordinator(int rank, int worldSize, CoordinatorClient client, CoordinatorServer? server, TimeSpan leaveTimeout)
    {
        Rank = rank;
        WorldSize = worldSize;
        _client = client;
        _server = server;
        _leaveTimeout = leaveTimeout;
        RootPayload = client.Payload;
    }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>Number of ranks in the job.</summary>
    public int WorldSize { get; }

    /// <summary>Rank 0's payload, the same bytes on every rank.</summary>
    public ReadOnlyMemory<byte> RootPayload { get; }

    /// <summary>Cancelled once, when this rank learns that any rank failed, died, went silent or left unexpectedly, or that the coordinator is gone.</summary>
    public CancellationToken Failed => _client.Failed;

    /// <summary>The first failure this rank learned of; null while the job is healthy.</summary>
    public RankFailure? Failure => _client.Failure;

    /// <summary>
    /// Every rank calls this once. Rank 0 also hosts the coordinator on exactly <paramref name="address"/>:<paramref name="port"/>;
    /// the others connect to it, retrying until <see cref="CoordinatorOptions.JoinTimeout"/> while rank 0 starts.
    /// Returns when all <paramref name="worldSize"/> ranks checked in with the same <paramref name="jobFingerprint"/>.
    /// </summary>
    /// <param name="rank">This rank, 0 to <paramref name="worldSize"/> - 1.</param>
    /// <param name="worldSize">Number of ranks; every rank must pass the same.</param>
    /// <param name="address">MASTER_ADDR: rank 0's address (an IP literal or a host name).</param>
    /// <param name="port">MASTER_PORT: the coordinator's port; it must be free on rank 0.</param>
    /// <param name="jobId">Names the job; a rank of another job that reaches this port is refused.</param>
    /// <param name="rootPayload">On rank 0, the bytes every rank receives (the NCCL unique id); ignored elsewhere.</param>
    /// <param name="jobFingerprint">A short string every rank must agree on (library version, world size, shapes...).</param>
    /// <param name="options">Deadlines and logging; null for the defaults.</param>
    /// <param name="cancellationToken">Stops the join early with an <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="CoordinatorException">
    /// The job could not form: the port is in use, rank 0 could not be reached, ranks are missing after the join
    /// timeout, ranks disagree on the world size or the fingerprint, a rank checked in twice, or this rank belongs
    /// to another job. Every rank that checked in gets the same message.
    /// </exception>
    public static RankCoordinator Join(
        int rank,
        int worldSize,
        string address,
        int port,
        string jobId,
        ReadOnlySpan<byte> rootPayload,
        string jobFingerprint,
        CoordinatorOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, worldSize);
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentNullException.ThrowIfNull(jobFingerprint);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jobId.Length, MaxTextLength, nameof(jobId));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jobFingerprint.Length, MaxTextLength, nameof(jobFingerprint));
        if (rank == 0)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(rootPayload.Length, MaxPayloadBytes, nameof(rootPayload));
        }

        options ??= new CoordinatorOptions();
        options.Validate();
        ILogger logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RankCoordinator>();
        IPEndPoint endpoint = CoordinatorEndpoint.Resolve(address, port, options.JoinTimeout, cancellationToken);
        var hello = new Hello(Hello.CurrentProtocolVersion, jobId, rank, worldSize, jobFingerprint);
        if (rank != 0)
        {
            return new RankCoordinator(rank, worldSize, CoordinatorClient.Join(endpoint, hello, options, logger, cancellationToken), null, options.LeaveTimeout);
        }

        CoordinatorServer server = CoordinatorServer.Start(endpoint, jobId, worldSize, rootPayload.ToArray(), options, logger);
        try
        {
            CoordinatorClient client = CoordinatorClient.Join(endpoint, hello, options, logger, cancellationToken);
            return new RankCoordinator(rank, worldSize, client, server, options.LeaveTimeout);
        }
        catch (CoordinatorException)
        {
            // Keep answering until every rank has been told why, so none is left to time out on a closed port.
            server.WaitUntilSettled(cancellationToken);
            server.Dispose();
            throw;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// This rank failed: every other rank's <see cref="Failure"/> names this rank and <paramref name="reason"/>
    /// within a heartbeat, and this rank's own at once. Does nothing once the rank left.
    /// </summary>
    public void ReportFailure(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _client.ReportFailure(reason.Length > MaxTextLength ? reason[..MaxTextLength] : reason);
    }

    /// <summary>
    /// Clean end: after this, this rank's disconnect is not a failure. On rank 0 it then waits, at most
    /// <see cref="CoordinatorOptions.LeaveTimeout"/>, for the others to leave (or die) before it closes the coordinator,
    /// so none of them sees the coordinator vanish while still finishing.
    /// </summary>
    public void Leave()
    {
        lock (_gate)
        {
            if (_left)
            {
                return;
            }

            _left = true;
        }

        _client.Leave();
        if (_server is not null)
        {
            _ = _server.WaitUntilEveryoneGone(_leaveTimeout);
            _server.Dispose();
        }
    }

    /// <summary><see cref="Leave"/> if not done yet, then closes everything; bounded by the leave timeout on rank 0 and the peer timeout elsewhere.</summary>
    public void Dispose()
    {
        Leave();
        _client.Dispose();
    }

    /// <summary>Test hook: ends this rank as SIGKILL would, with reset connections and no leave.</summary>
    internal void Crash()
    {
        lock (_gate)
        {
            _left = true;
        }

        _server?.Abort(); // first, as in a killed process: a coordinator still running would report rank 0's own client dead
        _client.Abort();
    }

    /// <summary>Test hook: this rank (and on rank 0 its coordinator) sends nothing more but keeps reading, as if its process were stopped.</summary>
    internal void Freeze()
    {
        _server?.Freeze();
        _client.Freeze();
    }
}
