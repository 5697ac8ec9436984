namespace RingAttention.Strategies;

/// <summary>What <see cref="StrategyHeuristic.Choose"/> picked, the model's cost of it, and why.</summary>
/// <param name="Strategy">The strategy.</param>
/// <param name="AllToAllSize">Na for <see cref="ContextParallelStrategy.AllToAllThenRing"/>, else 0.</param>
/// <param name="ModelledSeconds">Modelled time of one rank per layer, forward plus backward: kernels plus exposed communication.</param>
/// <param name="ExposedSeconds">The part of <paramref name="ModelledSeconds"/> that is communication not hidden behind compute.</param>
/// <param name="Reason">One sentence for logs: the rule that decided.</param>
internal sealed record StrategyChoice(ContextParallelStrategy Strategy, int AllToAllSize, double ModelledSeconds, double ExposedSeconds, string Reason)
{
    /// <summary>The problem set to run with this choice.</summary>
    public RingProblem Apply(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem with { Strategy = Strategy, AllToAllSize = AllToAllSize };
    }
}
