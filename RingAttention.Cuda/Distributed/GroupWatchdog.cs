using Microsoft.Extensions.Logging;
using RingAttention.Distributed;
using RingAttention.Distributed.Coordination;
using RingAttention.Interop;
using static System.FormattableString;

namespace RingAttention.Cuda.Distributed;

/// <summary>
/// One thread per process that notices a failure anywhere in the job and stops this rank's NCCL work, so that no wait
/// outlives a dead peer: NCCL over NVLink never reports a dead peer, and a kernel waiting for one spins forever. Every
/// <see cref="ProcessGroupOptions.WatchdogInterval"/> it reads the coordinator's news (a peer died, raised or went silent),
/// whether the launcher that started this rank is still its parent, and each communicator's asynchronous error (sockets
/// report a dead peer within milliseconds). The first failure wins:
/// it is kept, told to the other ranks when it is this rank's own, and every communicator is aborted, which makes
/// NCCL's kernels leave their waits and the streams drain. PyTorch's ProcessGroupNCCL watchdog works the same way.
/// </summary>
internal sealed partial class GroupWatchdog : IDisposable
{
    /// <summary>How long an NCCL error waits for the coordinator to name its cause.</summary>
    private static readonly TimeSpan CauseGrace = TimeSpan.FromSeconds(1);

    private readonly int _rank;
    private readonly RankCoordinator _coordinator;
    private readonly TimeSpan _interval;
    private readonly int? _launcher;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly List<NcclCommunicator> _communicators = [];
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private RankFailure? _failure;

    /// <summary>Starts watching; <paramref name="launcher"/> is the launcher's process id when this rank must stop once its parent is no longer it.</summary>
    public GroupWatchdog(int rank, RankCoordinator coordinator, TimeSpan interval, int? launcher, ILogger logger)
    {
        _rank = rank;
        _launcher = launcher;
        _coordinator = coordinator;
        _interval = interval;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = "ringattn watchdog" };
        _thread.Start();
    }

    /// <summary>The first failure seen, or null.</summary>
    public RankFailure? Failure => Volatile.Read(ref _failure);

    /// <summary>Watches (and on failure aborts) <paramref name="communicator"/> too.</summary>
    public void Watch(NcclCommunicator communicator)
    {
        bool failed;
        lock (_sync)
        {
            _communicators.Add(communicator);
            failed = _failure is not null;
        }

        if (failed)
        {
            AbortQuietly(communicator);
        }
    }

    /// <summary>
    /// Records <paramref name="failure"/> unless one came first, tells the other ranks when it is this rank's own
    /// (<paramref name="tellOthers"/>), and aborts every communicator. Returns the failure that is kept.
    /// </summary>
    public RankFailure Fail(RankFailure failure, bool tellOthers)
    {
        NcclCommunicator[] toAbort;
        lock (_sync)
        {
            if (_failure is not null)
            {
                return _failure;
            }

            Volatile.Write(ref _failure, failure);
            toAbort = [.. _communicators];
        }

        LogFailure(_logger, failure.Message);
        if (tellOthers)
        {
            _coordinator.ReportFailure(failure.Message);
        }

        foreach (NcclCommunicator communicator in toAbort)
        {
            AbortQuietly(communicator);
        }

        return failure;
    }

    /// <summary>
    /// Fails the job for an NCCL error this rank saw (asynchronous, or returned by a call). Over sockets NCCL sees a dead
    /// peer within milliseconds, before the coordinator's notice that names the peer arrives: the notice gets a moment,
    /// and NCCL's own words are reported only without one. Returns the failure that is kept.
    /// </summary>
    public RankFailure FailOnNcclError(string error)
    {
        if (Failure is RankFailure first)
        {
            return first;
        }

        return AwaitNews(CauseGrace) is RankFailure cause
            ? Fail(cause, tellOthers: false)
            : Fail(new RankFailure(_rank, RankFailureKind.Reported, Invariant($"rank {_rank}: NCCL reported an error (a peer died or the network failed): {error}")), tellOthers: true);
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.Wait(_interval))
        {
            if (_coordinator.Failure is RankFailure news)
            {
                Fail(news, tellOthers: false);
                return;
            }

            if (_launcher is int launcher && ParentProcess.Id != launcher)
            {
                Fail(new RankFailure(_rank, RankFailureKind.Reported, Invariant($"rank {_rank}: its launcher (pid {launcher}) is gone")), tellOthers: true);
                return;
            }

            NcclCommunicator[] watched;
            lock (_sync)
            {
                watched = [.. _communicators];
            }

            foreach (NcclCommunicator communicator in watched)
            {
                if (AsyncError(communicator) is string error)
                {
                    FailOnNcclError(error);
                    return;
                }
            }
        }
    }

    /// <summary>The coordinator's first failure, waiting up to <paramref name="grace"/> for one.</summary>
    private RankFailure? AwaitNews(TimeSpan grace)
    {
        long end = Environment.TickCount64 + (long)grace.TotalMilliseconds;
        while (_coordinator.Failure is null && Environment.TickCount64 < end && !_stop.Wait(10))
        {
        }

        return _coordinator.Failure;
    }

    /// <summary>NCCL's asynchronous error of <paramref name="communicator"/>, or null; skips a communicator another thread is using.</summary>
    private static string? AsyncError(NcclCommunicator communicator)
    {
        if (communicator.IsAborted || !communicator.Gate.TryEnter())
        {
            return null;
        }

        try
        {
            if (communicator.Handle.IsClosed)
            {
                return null; // disposed with its rank (a strategy's split); Dispose closes it under the gate
            }

            communicator.ThrowIfFailed();
            return null;
        }
        catch (NcclException e)
        {
            return e.NativeMessage.Length > 0 ? e.NativeMessage : e.Message;
        }
        finally
        {
            communicator.Gate.Exit();
        }
    }

    private void AbortQuietly(NcclCommunicator communicator)
    {
        try
        {
            communicator.Abort();
        }
        catch (RingAttentionNativeException e)
        {
            // The communicator is gone either way (the shim frees it whatever ncclCommAbort returns).
            LogAbortError(_logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "ring stopped: {Failure}")]
    private static partial void LogFailure(ILogger logger, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "aborting an NCCL communicator reported: {Error}")]
    private static partial void LogAbortError(ILogger logger, string error);
}
