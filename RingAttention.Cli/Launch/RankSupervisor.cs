using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace RingAttention.Cli.Launch;

/// <summary>
/// Starts this node's ranks and watches them as torchrun does: all succeed or all stop. The first rank to fail
/// (non-zero exit or a signal) or a signal to the launcher makes it send SIGTERM (or that signal) to every rank
/// still running, wait up to the grace period, then SIGKILL whatever is left.
/// </summary>
internal sealed partial class RankSupervisor : IDisposable
{
    /// <summary>How long to wait for ranks after SIGKILL, which they cannot ignore; only a process stuck in the kernel takes longer.</summary>
    private static readonly TimeSpan KillDeadline = TimeSpan.FromSeconds(10);

    /// <summary>How long the other ranks may take to end by themselves after one failed, before SIGTERM (at most the grace period).</summary>
    private static readonly TimeSpan SettleWindow = TimeSpan.FromSeconds(3);

    /// <summary>How long a rank's output may stay open after it ended (held by a process it started) before it is dropped.</summary>
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(5);

    private readonly LaunchPlan _plan;
    private readonly Func<int, ProcessStartInfo> _startInfo;
    private readonly LineWriter _stdout;
    private readonly LineWriter _stderr;
    private readonly ILogger _logger;
    private readonly List<RankProcess> _ranks = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stopping;

    /// <summary>Creates a supervisor starting each local rank with <see cref="RankStartInfo.Create"/>.</summary>
    public RankSupervisor(LaunchPlan plan, LineWriter stdout, LineWriter stderr, ILogger logger)
        : this(plan, localRank => RankStartInfo.Create(plan, localRank), stdout, stderr, logger)
    {
    }

    /// <summary>Creates a supervisor starting local rank r with <paramref name="startInfo"/>(r) (tests replace one rank's program).</summary>
    public RankSupervisor(LaunchPlan plan, Func<int, ProcessStartInfo> startInfo, LineWriter stdout, LineWriter stderr, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(startInfo);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(logger);
        _plan = plan;
        _startInfo = startInfo;
        _stdout = stdout;
        _stderr = stderr;
        _logger = logger;
    }

    /// <summary>
    /// Passes a signal the launcher received on to the ranks. The first one ends the watch (as a failure would)
    /// and is sent to every rank still running; once ranks are being stopped, every signal goes straight to
    /// them, so a second Ctrl+C reaches them too. Safe to call from any thread, at any time.
    /// </summary>
    public void OnSignal(int signal)
    {
        LogSignal(_logger, signal);
        lock (_gate)
        {
            _signal.TrySetResult(signal);
            if (_stopping)
            {
                foreach (RankProcess rank in _ranks)
                {
                    rank.Signal(signal);
                }
            }
        }
    }

    /// <summary>Starts every local rank, watches them to the end, and says how they ended.</summary>
    public async Task<LaunchOutcome> RunAsync()
    {
        LogPlan(_logger, _plan.ProcessesPerNode, _plan.Program, _plan.NodeRank, _plan.NodeCount, _plan.WorldSize, _plan.MasterAddress, _plan.MasterPort, _plan.JobId);
        RankStartFailure? startFailure = StartAll();
        if (startFailure is not null)
        {
            IReadOnlyList<int> started = await StopAsync().ConfigureAwait(false);
            return await FinishAsync(new LaunchOutcome { Ranks = Exits(), StartFailure = startFailure, StoppedRanks = started }).ConfigureAwait(false);
        }

        // Ranks, not their Exited tasks, identify who ended: tasks of processes that had already ended can be one shared instance.
        List<RankProcess> running = [.. _ranks];
        RankExit? firstFailure = null;
        while (running.Count > 0 && firstFailure is null && !_signal.Task.IsCompleted)
        {
            await Task.WhenAny([.. running.Select(rank => rank.Exited), _signal.Task]).ConfigureAwait(false);
            foreach (RankProcess ended in running.Where(rank => rank.Exited.IsCompleted).ToList())
            {
                RankExit exit = ended.ToExit();
                running.Remove(ended);
                LogExit(_logger, exit.Name, exit.Status);
                firstFailure ??= exit.ExitCode == 0 ? null : exit;
            }
        }

        IReadOnlyList<int> stopped = running.Count == 0 ? [] : await StopAsync().ConfigureAwait(false);
        return await FinishAsync(new LaunchOutcome
        {
            Ranks = Exits(),
            FirstFailure = firstFailure,

            // A received signal is the cause even when a rank's failure was seen first: Ctrl+C reaches the whole
            // foreground process group, so the ranks often end from it before the launcher's handler has run.
            ReceivedSignal = _signal.Task.IsCompleted ? _signal.Task.Result : null,
            StoppedRanks = stopped,
        }).ConfigureAwait(false);
    }

    /// <summary>Ends every process handle.</summary>
    public void Dispose()
    {
        foreach (RankProcess rank in _ranks)
        {
            rank.Dispose();
        }
    }

    /// <summary>Starts the ranks in order; stops at the first that cannot start, or when a signal arrived meanwhile.</summary>
    private RankStartFailure? StartAll()
    {
        for (int localRank = 0; localRank < _plan.ProcessesPerNode && !_signal.Task.IsCompleted; localRank++)
        {
            int rank = _plan.GlobalRank(localRank);
            ProcessStartInfo info = _startInfo(localRank);
            try
            {
                RankProcess process = RankProcess.Start(rank, info, _stdout, _stderr);
                lock (_gate)
                {
                    _ranks.Add(process);
                }

                LogStarted(_logger, rank, process.ProcessId);
            }
            catch (Win32Exception e)
            {
                // Win32Exception's own message repeats the program and the working directory; strerror is what says why.
                return new RankStartFailure(rank, info.FileName, new Win32Exception(e.NativeErrorCode).Message);
            }
        }

        return null;
    }

    /// <summary>
    /// Sends every running rank the signal the launcher received (SIGTERM when it received none), and SIGKILL to
    /// those still running after the grace period; returns the ranks signalled.
    /// </summary>
    private async Task<IReadOnlyList<int>> StopAsync()
    {
        Task all = Task.WhenAll(_ranks.Select(rank => rank.Exited));
        if (!_signal.Task.IsCompleted)
        {
            // After a rank failed, the others first get a moment to end by themselves: a rank that noticed the failure
            // (RingAttention's process group does within milliseconds) then exits with its own error, naming the
            // rank that failed, instead of being cut off by SIGTERM before it could say so.
            await EndsWithin(all, _plan.GracePeriod < SettleWindow ? _plan.GracePeriod : SettleWindow).ConfigureAwait(false);
        }

        List<int> signalled;
        lock (_gate)
        {
            // Under the lock OnSignal takes: a signal arriving now is either seen here or forwarded by OnSignal.
            _stopping = true;
            int signal = _signal.Task.IsCompleted ? _signal.Task.Result : Signals.Terminate;
            signalled = [.. _ranks.Where(rank => rank.Signal(signal)).Select(rank => rank.Rank)];
        }

        if (!await EndsWithin(all, _plan.GracePeriod).ConfigureAwait(false))
        {
            foreach (RankProcess rank in _ranks.Where(rank => rank.Signal(Signals.Kill)))
            {
                LogKilled(_logger, rank.Rank, _plan.GracePeriod.TotalSeconds);
            }

            if (!await EndsWithin(all, KillDeadline).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"ranks still running {KillDeadline.TotalSeconds} s after SIGKILL");
            }
        }

        return signalled;
    }

    /// <summary>Lets the ranks' last output through (up to a deadline), then reports.</summary>
    private async Task<LaunchOutcome> FinishAsync(LaunchOutcome outcome)
    {
        if (!await EndsWithin(Task.WhenAll(_ranks.Select(rank => rank.OutputDrained)), DrainDeadline).ConfigureAwait(false))
        {
            LogOutputHeld(_logger, DrainDeadline.TotalSeconds);
        }

        LaunchReport.Write(outcome, _stderr);
        return outcome;
    }

    private RankExit[] Exits() => [.. _ranks.Select(rank => rank.ToExit())];

    private static async Task<bool> EndsWithin(Task task, TimeSpan deadline)
    {
        await Task.WhenAny(task, Task.Delay(deadline)).ConfigureAwait(false);
        return task.IsCompleted;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "starting {Count} ranks of {Program} on node {NodeRank} of {NodeCount}: world size {WorldSize}, master {Address}:{Port}, job {JobId}")]
    private static partial void LogPlan(ILogger logger, int count, string program, int nodeRank, int nodeCount, int worldSize, string address, int port, string jobId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "started rank {Rank} (pid {ProcessId})")]
    private static partial void LogStarted(ILogger logger, int rank, int processId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Rank}: {Status}")]
    private static partial void LogExit(ILogger logger, string rank, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "received signal {Signal}; passing it on to the ranks")]
    private static partial void LogSignal(ILogger logger, int signal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rank {Rank} still running {Seconds} s after it was asked to stop: SIGKILL")]
    private static partial void LogKilled(ILogger logger, int rank, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "a rank's output was still open {Seconds} s after it ended (a process it started holds it); the rest is dropped")]
    private static partial void LogOutputHeld(ILogger logger, double seconds);
}
