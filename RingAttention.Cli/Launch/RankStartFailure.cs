namespace RingAttention.Cli.Launch;

/// <summary>A rank whose process could not be started (program not found, not executable).</summary>
/// <param name="Rank">Global rank.</param>
/// <param name="Program">The program as given.</param>
/// <param name="Reason">The system's reason, e.g. "No such file or directory".</param>
internal sealed record RankStartFailure(int Rank, string Program, string Reason);
