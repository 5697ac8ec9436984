namespace RingAttention.Cli;

/// <summary>The process exit codes of ringattn; scripts rely on them.</summary>
internal static class ExitCodes
{
    /// <summary>Everything worked (for demo: and every error was within tolerance).</summary>
    public const int Success = 0;

    /// <summary>Something unexpected failed (a bug or an I/O fault), or demo found an error over tolerance.</summary>
    public const int Failure = 1;

    /// <summary>The user's input was wrong: options, files, shapes. The message says what to fix.</summary>
    public const int UsageError = 2;
}
