using System.Diagnostics;

namespace RingAttention.Cli.Launch;

/// <summary>One running rank: its process, the pumps copying its output, and the signals the launcher sent it.</summary>
internal sealed class RankProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task _output;
    private int? _stoppedWith;

    private RankProcess(int rank, Process process, LineWriter stdout, LineWriter stderr)
    {
        Rank = rank;
        _process = process;
        ProcessId = process.Id;
        string prefix = PrefixedOutput.Prefix(rank);
        _output = Task.WhenAll(
            PrefixedOutput.CopyAsync(process.StandardOutput, prefix, stdout),
            PrefixedOutput.CopyAsync(process.StandardError, prefix, stderr));

        // The output is read directly, not through BeginOutputReadLine, so this completes when the process ends,
        // even while something it started still holds the pipes open.
        Exited = process.WaitForExitAsync();
    }

    /// <summary>Global rank.</summary>
    public int Rank { get; }

    /// <summary>Process id.</summary>
    public int ProcessId { get; }

    /// <summary>Completes when the process has ended.</summary>
    public Task Exited { get; }

    /// <summary>Completes when both output streams have ended (or were closed by <see cref="Dispose"/>).</summary>
    public Task OutputDrained => _output;

    /// <summary>Starts the process; throws <see cref="System.ComponentModel.Win32Exception"/> when it cannot be started.</summary>
    public static RankProcess Start(int rank, ProcessStartInfo info, LineWriter stdout, LineWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(info);
        Process process = Process.Start(info) ?? throw new InvalidOperationException($"starting {info.FileName} started no process");
        return new RankProcess(rank, process, stdout, stderr);
    }

    /// <summary>Sends <paramref name="signal"/> unless the process has already ended; returns whether it was sent.</summary>
    public bool Signal(int signal)
    {
        if (Exited.IsCompleted)
        {
            return false;
        }

        // The process may end between the check and kill(2): then kill fails with ESRCH, which is fine, so the
        // result is not checked. (Were its pid reused in that instant, another process would get the signal: the
        // same window Process.Kill has.)
        _stoppedWith = signal;
        _ = NativeMethods.Kill(ProcessId, signal);
        return true;
    }

    /// <summary>How the rank ended; only once <see cref="Exited"/> has completed.</summary>
    public RankExit ToExit() => new(Rank, ProcessId, _process.ExitCode, _stoppedWith);

    /// <summary>Releases the process handle and closes its output streams.</summary>
    public void Dispose() => _process.Dispose();
}
