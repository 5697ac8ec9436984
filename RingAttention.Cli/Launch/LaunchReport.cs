namespace RingAttention.Cli.Launch;

/// <summary>The launcher's own lines on stderr after a launch that did not simply succeed.</summary>
internal static class LaunchReport
{
    /// <summary>What the launcher's lines start with, so they stand out from the ranks' "[rank R] " lines.</summary>
    public const string Prefix = CliApp.Name + " launch: ";

    /// <summary>
    /// Nothing when every rank exited 0; otherwise one line per rank saying how it ended, then one line naming
    /// the cause (last, where a reader of the log's tail looks first).
    /// </summary>
    public static void Write(LaunchOutcome outcome, LineWriter error)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(error);
        // A start failure is the command's one error line; success needs no words.
        if (outcome.StartFailure is not null || outcome.ExitCode == ExitCodes.Success)
        {
            return;
        }

        foreach (RankExit rank in outcome.Ranks)
        {
            error.WriteLine($"{Prefix}{rank.Name}: {rank.StatusWithCause}");
        }

        if (Cause(outcome) is { } cause)
        {
            error.WriteLine(Prefix + cause);
        }
    }

    /// <summary>The one-line cause: the received signal, else the first failure; null when neither.</summary>
    public static string? Cause(LaunchOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        string stopped = Stopped(outcome.StoppedRanks);
        if (outcome.ReceivedSignal is int signal)
        {
            return $"received {Signals.Name(signal)}; forwarded it to {stopped}";
        }

        return outcome.FirstFailure is { } first ? $"{first.Name} failed first: {first.Status}; stopped {stopped}" : null;
    }

    /// <summary>"ranks 0, 1, 3", "rank 2", or "no other rank (none was running)".</summary>
    public static string Stopped(IReadOnlyList<int> ranks) => ranks.Count switch
    {
        0 => "no other rank (none was running)",
        1 => $"rank {ranks[0]}",
        _ => $"ranks {string.Join(", ", ranks)}",
    };
}
