using System.Globalization;

namespace RingAttention.Cli.Launch;

/// <summary>How one rank ended.</summary>
/// <param name="Rank">Global rank.</param>
/// <param name="ProcessId">Its process id.</param>
/// <param name="ExitCode">Its exit code as .NET reports it: 128 + S when killed by signal S.</param>
/// <param name="StoppedWith">The last signal the launcher sent it, or null when it ended on its own.</param>
internal sealed record RankExit(int Rank, int ProcessId, int ExitCode, int? StoppedWith)
{
    /// <summary>"exited with code 3" or "killed by SIGKILL".</summary>
    public string Status => Signals.FromExitCode(ExitCode) is int signal
        ? $"killed by {Signals.Name(signal)}"
        : string.Create(CultureInfo.InvariantCulture, $"exited with code {ExitCode}");

    /// <summary>
    /// <see cref="Status"/>, plus what the launcher did to it: "killed by SIGTERM from the launcher", or
    /// "exited with code 0 after the launcher sent SIGTERM".
    /// </summary>
    public string StatusWithCause => StoppedWith switch
    {
        null => Status,
        int sent when Signals.FromExitCode(ExitCode) == sent => $"{Status} from the launcher",
        int sent => $"{Status} after the launcher sent {Signals.Name(sent)}",
    };

    /// <summary>"rank 2 (pid 4242)".</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"rank {Rank} (pid {ProcessId})");
}
