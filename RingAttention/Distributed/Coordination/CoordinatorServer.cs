using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RingAttention.Distributed.Coordination;

/// <summary>
/// Rank 0's half of the coordinator: listens on MASTER_ADDR:MASTER_PORT, checks ranks in, hands out the payload
/// once all agree, then relays the job's first failure to every rank. One thread accepts (and watches the join
/// deadline); each connection has a thread that runs its handshake and then its <see cref="CoordinatorLink"/> loop.
/// All bookkeeping happens under one lock; sends under it are short and bounded by the send timeout.
/// </summary>
internal sealed partial class CoordinatorServer : ILinkListener, IDisposable
{
    private static readonly TimeSpan AcceptNap = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly string _where;
    private readonly string _jobId;
    private readonly byte[] _payload;
    private readonly CoordinatorOptions _options;
    private readonly ILogger _logger;
    private readonly JoinRoster _roster;
    private readonly Deadline _joinDeadline;
    private readonly Lock _gate = new();
    private readonly CoordinatorLink?[] _links;
    private readonly Dictionary<CoordinatorLink, int> _rankOf = [];
    private readonly HashSet<CoordinatorLink> _open = [];
    private readonly bool[] _left;
    private readonly bool[] _gone;
    private readonly ManualResetEventSlim _settled = new();
    private readonly ManualResetEventSlim _everyoneGone = new();
    private readonly Thread _acceptor;
    private Phase _phase;
    private string? _joinFailure;
    private RankFailure? _failure;
    private int _checkIns;
    private bool _stopping;
    private bool _frozen;

    private CoordinatorServer(Socket listener, string jobId, int worldSize, byte[] payload, CoordinatorOptions options, ILogger logger)
    {
        _listener = listener;
        _where = CoordinatorText.Format($"{listener.LocalEndPoint}");
        _jobId = jobId;
        _payload = payload;
        _options = options;
        _logger = logger;
        _roster = new JoinRoster(jobId, worldSize, _where);
        _joinDeadline = Deadline.In(options.JoinTimeout);
        _links = new CoordinatorLink?[worldSize];
        _left = new bool[worldSize];
        _gone = new bool[worldSize];
        _acceptor = new Thread(Accept) { IsBackground = true, Name = "coordinator-accept" };
    }

    private enum Phase
    {
        Joining,
        Formed,
        FormingFailed,
    }

    /// <summary>
    /// Binds exactly <paramref name="endpoint"/> and starts accepting. SO_REUSEADDR stays off, so a port that any
    /// socket holds fails here at once rather than splitting the job's connections with a stale coordinator.
    /// </summary>
    public static CoordinatorServer Start(IPEndPoint endpoint, string jobId, int worldSize, byte[] payload, CoordinatorOptions options, ILogger logger)
    {
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            listener.Bind(endpoint);
            listener.Listen(worldSize + 16);
            listener.Blocking = false;
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new CoordinatorException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? CoordinatorText.Format($"MASTER_PORT {endpoint.Port} on {endpoint.Address} is already in use: another job or program holds it; choose a free port.")
                : CoordinatorText.Format($"rank 0 could not listen on {endpoint} (MASTER_ADDR {endpoint.Address}, MASTER_PORT {endpoint.Port}): {e.Message}"), e);
        }

        var server = new CoordinatorServer(listener, jobId, worldSize, payload, options, logger);
        server._acceptor.Start();
        return server;
    }

    /// <summary>
    /// Waits until the job formed, or until it could not form and every rank that was going to check in was told
    /// why (all world-size check-ins seen, or the join deadline passed). Rank 0 waits here before it throws, so the
    /// others learn the reason instead of finding the port closed; but for a peer timeout at most, since ranks
    /// launched together check in within moments and rank 0's own error should not wait on a rank that never comes.
    /// </summary>
    public void WaitUntilSettled(CancellationToken cancellationToken)
    {
        TimeSpan bound = _joinDeadline.RemainingAtMost(_options.PeerTimeout) + AcceptNap; // the nap covers the acceptor's polling
        _ = _settled.Wait(bound, cancellationToken);
    }

    /// <summary>Waits, at most <paramref name="timeout"/>, until every rank left, died or was declared silent.</summary>
    public bool WaitUntilEveryoneGone(TimeSpan timeout) => _everyoneGone.Wait(timeout);

    /// <summary>Closes gracefully (after which the waits above may no longer be called): every rank reads what was sent to it, then the end of the connection.</summary>
    public void Dispose() => Stop(abortive: false);

    /// <summary>Test hook: closes every connection with a reset, as the kernel does when rank 0's process is killed.</summary>
    public void Abort() => Stop(abortive: true);

    /// <summary>Test hook: the coordinator sends nothing more, heartbeats and failure notices included, as if rank 0's process were stopped.</summary>
    public void Freeze()
    {
        lock (_gate)
        {
            _frozen = true;
            foreach (CoordinatorLink link in _open)
            {
                link.Freeze();
            }
        }
    }

    private void Forget(CoordinatorLink link, bool abortive = false)
    {
        lock (_gate)
        {
            if (!_open.Remove(link))
            {
                return; // Stop closes it
            }
        }

        link.Close(abortive);
    }

    private void Stop(bool abortive)
    {
        (CoordinatorLink Link, bool IsRank)[] open;
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true; // from here on no callback touches the events below
            open = [.. _open.Select(link => (link, _rankOf.ContainsKey(link)))];
            _open.Clear();
            _settled.Dispose();
            _everyoneGone.Dispose();
        }

        _listener.Close();
        foreach ((CoordinatorLink link, bool isRank) in open)
        {
            // A connection that never became a rank is owed nothing: no reason to linger for a stranger.
            link.BeginClose(abortive || !isRank);
        }

        foreach ((CoordinatorLink link, _) in open)
        {
            link.FinishClose();
        }

        _ = _acceptor.Join(AcceptNap + AcceptNap);
    }
}
