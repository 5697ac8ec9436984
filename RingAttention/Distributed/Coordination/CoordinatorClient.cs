using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RingAttention.Distributed.Coordination;

/// <summary>
/// One rank's connection to rank 0's coordinator (rank 0 has one too, to its own server, so every rank learns of
/// failures the same way). It checks in, waits for the payload, then keeps the first failure it hears of, or
/// notices itself that the coordinator closed or went silent.
/// </summary>
internal sealed class CoordinatorClient : ILinkListener, IDisposable
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

    /// <inheritdoc />
    public void OnFrame(CoordinatorLink link, Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Welcome:
                Decide(CoordinatorFrames.ReadWelcome(frame.Body), rejection: null);
                break;
            case FrameKind.Rejected:
                Decide(payload: null, CoordinatorFrames.ReadText(frame.Body));
                break;
            case FrameKind.Failure:
                _ = Record(CoordinatorFrames.ReadFailure(frame.Body));
                break;
            case FrameKind.LeaveAck:
                SettleLeave();
                break;
            default:
                throw new InvalidDataException(CoordinatorText.Format($"rank 0's coordinator at {_where} sent a {frame.Kind} frame, which only ranks send."));
        }
    }

    /// <inheritdoc />
    public void OnClosed(CoordinatorLink link, Exception error)
    {
        string what = error is InvalidDataException ? "broke the protocol (" + error.Message + ")" : "closed the connection";
        Lose(CoordinatorText.Format($"rank 0's coordinator at {_where} {what}"));
    }

    /// <inheritdoc />
    public void OnSilent(CoordinatorLink link, TimeSpan silence) =>
        Lose(CoordinatorText.Format($"rank 0's coordinator at {_where} sent nothing for {CoordinatorText.Seconds(silence)}"));

    private static Socket Connect(IPEndPoint coordinator, string where, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Deadline.In(timeout);
        SocketException? lastError = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Socket? socket = TryConnect(coordinator, deadline, ref lastError);
            if (socket is not null)
            {
                return socket;
            }

            // Refused while rank 0 starts up, unreachable while the network settles: try again until the deadline.
            if (deadline.HasPassed || cancellationToken.WaitHandle.WaitOne(deadline.RemainingAtMost(RetryPause)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string cause = lastError is null ? "no answer" : lastError.SocketErrorCode.ToString();
                throw new CoordinatorException(
                    CoordinatorText.Format($"could not reach rank 0's coordinator at {where} within {CoordinatorText.Seconds(timeout)} ({cause}): is rank 0 running, and are MASTER_ADDR and MASTER_PORT the same on every rank?"),
                    lastError!);
            }
        }
    }

    /// <summary>
    /// One connection attempt that ends by <paramref name="deadline"/>. A non-blocking connect and a poll, rather than
    /// ConnectAsync: its completion would wait for a thread-pool thread, and a busy pool would then make a rank miss
    /// its handshake timeout (the coordinator drops a connection that has not introduced itself in time).
    /// </summary>
    private static Socket? TryConnect(IPEndPoint coordinator, Deadline deadline, ref SocketException? lastError)
    {
        var socket = new Socket(coordinator.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        try
        {
            try
            {
                socket.Connect(coordinator);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // the handshake is under way; the poll below waits for it
            }

            if (socket.Poll(deadline.Remaining, SelectMode.SelectWrite))
            {
                var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error == SocketError.Success)
                {
                    socket.Blocking = true;
                    return socket;
                }

                lastError = new SocketException((int)error);
            }
        }
        catch (SocketException e)
        {
            lastError = e;
        }

        socket.Dispose();
        return null;
    }

    private void CheckIn(Hello hello, CancellationToken cancellationToken)
    {
        if (!_link.TrySend(hello.ToGreeting()))
        {
            throw new CoordinatorException(CoordinatorText.Format($"rank {_rank} lost its connection to rank 0's coordinator at {_where} while checking in."));
        }

        _link.Start(this, _options.HeartbeatInterval, _options.PeerTimeout, CoordinatorText.Format($"coordinator-rank-{_rank}"));

        // The coordinator answers by its own join deadline, which is at most a join timeout from now; silence is
        // caught by the link within a peer timeout. The wait's own bound is only a backstop for both.
        if (!_verdict.Wait(_options.JoinTimeout + _options.PeerTimeout, cancellationToken))
        {
            throw new CoordinatorException(CoordinatorText.Format($"rank 0's coordinator at {_where} did not answer rank {_rank}'s check-in within {CoordinatorText.Seconds(_options.JoinTimeout + _options.PeerTimeout)}."));
        }

        lock (_gate)
        {
            if (_rejection is not null)
            {
                throw new CoordinatorException(_rejection);
            }
        }
    }

    /// <summary>The coordinator's answer to the check-in; the first one counts.</summary>
    private void Decide(byte[]? payload, string? rejection)
    {
        lock (_gate)
        {
            if (_state != State.Joining || _verdict.IsSet)
            {
                return;
            }

            _payload = payload;
            _rejection = rejection;
            if (rejection is null)
            {
                _state = State.Joined;
            }

            _verdict.Set();
        }
    }

    /// <summary>The coordinator is gone: before the job formed that is why the join fails; after, it is a failure.</summary>
    private void Lose(string what)
    {
        _link.BeginClose(); // answer the coordinator's end with ours, so it need not linger for it
        SettleLeave();
        Decide(payload: null, what + " before the job formed.");
        _ = Record(new RankFailure(0, RankFailureKind.CoordinatorLost, what + ": rank 0 died, ended the job or is cut off."));
    }

    /// <summary>Keeps <paramref name="failure"/> if it is the first while joined, and cancels <see cref="Failed"/>. True if kept.</summary>
    private bool Record(RankFailure failure)
    {
        lock (_gate)
        {
            if (_state != State.Joined || _failure is not null)
            {
                return false;
            }

            _failure = failure;

            // Observers' callbacks run on the thread pool, not on this link's thread, which must keep its heartbeats going.
            _ = _failed.CancelAsync();
        }

        CoordinatorLog.FailureSeen(_logger, _rank, failure.Message);
        return true;
    }

    /// <summary>Ends <see cref="Leave"/>'s wait: the coordinator acknowledged, or it is gone and never will.</summary>
    private void SettleLeave()
    {
        lock (_gate)
        {
            if (_state != State.Closed)
            {
                _leaveSettled.Set(); // never after Dispose, which comes after Closed
            }
        }
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
