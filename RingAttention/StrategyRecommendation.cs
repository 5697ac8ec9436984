namespace RingAttention;

/// <summary>
/// The strategy <see cref="ContextParallelStrategies.Choose"/> recommends for a problem, and why.
/// </summary>
public sealed class StrategyRecommendation
{
    internal StrategyRecommendation(ContextParallelStrategy strategy, int allToAllSize, string reason)
    {
        Strategy = strategy;
        AllToAllSize = allToAllSize;
        Reason = reason;
    }

    /// <summary>The recommended strategy.</summary>
    public ContextParallelStrategy Strategy { get; }

    /// <summary>
    /// The inner group size for <see cref="ContextParallelStrategy.AllToAllThenRing"/> (see
    /// <see cref="RingProblem.AllToAllSize"/>); 0 for the other strategies.
    /// </summary>
    public int AllToAllSize { get; }

    /// <summary>One sentence for logs: the modelled communication that decided.</summary>
    public string Reason { get; }

    /// <summary><paramref name="problem"/> with <see cref="Strategy"/> and <see cref="AllToAllSize"/> set, ready to run.</summary>
    public RingProblem ApplyTo(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem with { Strategy = Strategy, AllToAllSize = AllToAllSize };
    }

    /// <inheritdoc />
    public override string ToString() => Reason;
}
