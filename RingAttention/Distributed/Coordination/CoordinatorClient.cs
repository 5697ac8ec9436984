using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RingAttention.Distributed.Coordination;

/// <summary>
/// One rank's connection to rank 0's coordinator (rank 0 has one too, to its own server, so every rank learns of
/// failures the same way). It checks in, waits for the payload, then keeps the first failure it hears of, or
/// notices itself that the coordinator closed or went silent.
/// </summary>
internal sealed partial class CoordinatorClient : ILinkListener, IDisposable
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);

    private readonly CoordinatorLink _link;
    private readonly int _rank;
    private readonly string _where;
    private readonly CoordinatorOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _verdict = new();
    private readonly ManualResetEventSlim _leaveSettled = new();
    private readonly CancellationTokenSource _failed = new();
    private State _state;
    private byte[]? _payload;
    private string? _rejection;
    private RankFailure? _failure;

    private CoordinatorClient(CoordinatorLink link, int rank, string where, CoordinatorOptions options, ILogger logger)
    {
        _link = link;
        _rank = rank;
        _where = where;
        _options = options;
        _logger = logger;
    }

    private enum State
    {
        Joining,
        Joined,
        Leaving,
        Closed,
    }

    /// <summary>Cancelled once, at the first failure this rank learns of.</summary>
    public CancellationToken Failed => _failed.Token;

    /// <summary>The first failure this rank learned of; null while healthy.</summary>
    public RankFailure? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    /// <summary>Rank 0's payload, once joined.</summary>
    public byte[] Payload => _payload ?? [];

    /// <summary>
    /// Connects (retrying while rank 0 is not up yet, until the join timeout), checks in with <paramref name="hello"/>
    /// and returns once the job formed. Throws <see cref="CoordinatorException"/> with the coordinator's reason
    /// when the job cannot form or this rank is refused.
    /// </summary>
    public static CoordinatorClient Join(IPEndPoint coordinator, Hello hello, CoordinatorOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        string where = CoordinatorText.Format($"{coordinator}");
        Socket socket = Connect(coordinator, where, options.JoinTimeout, cancellationToken);
        var client = new CoordinatorClient(new CoordinatorLink(socket, options.PeerTimeout), hello.Rank, where, options, logger);
        try
        {
            client.CheckIn(hello, cancellationToken);
            CoordinatorLog.Joined(logger, hello.Rank, hello.WorldSize, hello.JobId, where);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Tells every rank that this one failed; this rank's own <see cref="Failure"/> says so at once.</summary>
    public void ReportFailure(string reason)
    {
        if (!IsJoined())
        {
            return; // not in the job (any more): nobody is listening
        }

        _ = Record(new RankFailure(_rank, RankFailureKind.Reported, CoordinatorText.Format($"rank {_rank} failed: {reason}")));
        _ = _link.TrySend(CoordinatorFrames.ReportFailure(reason));
    }

    /// <summary>Says goodbye, waits (bounded by the peer timeout) for the coordinator to acknowledge, and closes.</summary>
    public void Leave()
    {
        lock (_gate)
        {
            if (_state != State.Joined)
            {
                return;
            }

            _state = State.Leaving;
        }

        // Settled by the acknowledgement, or by the link's end: a coordinator that is gone will not acknowledge.
        if (_link.TrySend(CoordinatorFrames.Leave))
        {
            _ = _leaveSettled.Wait(_options.PeerTimeout);
        }

        Close(abortive: false);
    }

    /// <summary>Test hook: sends nothing more, heartbeats included, while still reading, as a stopped process would.</summary>
    public void Freeze() => _link.Freeze();

    /// <summary>Test hook: drops the connection with a reset and no leave, as the kernel does for a killed process.</summary>
    public void Abort() => Close(abortive: true);

    /// <inheritdoc />
    public void Dispose()
    {
        Leave();
        Close(abortive: false);
        _verdict.Dispose();
        _leaveSettled.Dispose();

        // _failed stays undisposed: a watchdog may still look at or register on the token after this rank closed.
        // It owns no timer, and its wait handle, if anyone asked for one, is released by the finalizer.
    }

    private bool IsJoined()
    {
        lock (_gate)
        {
            return _state == State.Joined;
        }
    }

    private void Close(bool abortive)
    {
        lock (_gate)
        {
            if (_state == State.Closed)
            {
                return;
            }

            _state = State.Closed;
        }

        _link.Close(abortive);
    }
}
