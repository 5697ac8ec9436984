namespace RingAttention.Distributed.Coordination;

/// <summary>The first failure a rank learned of.</summary>
/// <param name="Rank">The rank that failed (0 for <see cref="RankFailureKind.CoordinatorLost"/>).</param>
/// <param name="Kind">How the failure was found.</param>
/// <param name="Message">One line for people, naming the rank and the cause.</param>
public sealed record RankFailure(int Rank, RankFailureKind Kind, string Message);
