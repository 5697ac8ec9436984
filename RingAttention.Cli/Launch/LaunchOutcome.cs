namespace RingAttention.Cli.Launch;

/// <summary>How a launch ended: every started rank's exit, and what made the launcher stop the rest, if anything.</summary>
internal sealed record LaunchOutcome
{
    /// <summary>Every rank that was started, in rank order.</summary>
    public required IReadOnlyList<RankExit> Ranks { get; init; }

    /// <summary>The first rank seen to end with a non-zero code or by a signal; null when none did first.</summary>
    public RankExit? FirstFailure { get; init; }

    /// <summary>The signal the launcher received and forwarded; null when none.</summary>
    public int? ReceivedSignal { get; init; }

    /// <summary>The rank that could not be started; null when all started.</summary>
    public RankStartFailure? StartFailure { get; init; }

    /// <summary>The ranks the launcher stopped (they were still running when it decided to stop them).</summary>
    public IReadOnlyList<int> StoppedRanks { get; init; } = [];

    /// <summary>
    /// The launcher's exit code: 2 when a rank could not start, 128 + S when the launcher received signal S,
    /// else the first failed rank's code (128 + S when it was killed by S), else 0.
    /// </summary>
    public int ExitCode => StartFailure is not null ? ExitCodes.UsageError
        : ReceivedSignal is int signal ? Signals.ExitCodeBase + signal
        : FirstFailure?.ExitCode ?? ExitCodes.Success;
}
