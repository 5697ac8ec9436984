using RingAttention.Strategies;

namespace RingAttention;

/// <summary>
/// Which context-parallel strategy to run a problem with. The rule (documented in RingAttention/Strategies/README.md):
/// among the strategies the problem allows, the one with the least modelled time per layer, forward plus backward:
/// one rank's kernel time (T1/N, 7 % more for the ring's block kernels, measured on an H200) plus the communication
/// not hidden behind compute; ties go to the simplest (Ring, AllGather, AllToAll, AllToAllThenRing).
/// </summary>
/// <remarks>
/// In short: where the heads split over the ranks, all-to-all wins from medium sequences on (its one call per rank
/// beats the ring's block kernels by more than its exchange costs) and on short shards; the ring keeps problems whose
/// heads do not split, medium sequences where its steps hide and the exchange costs more than its overhead, and slow
/// links where all-to-all moves replicated K and V; more ranks than KV heads with medium shards favour all-to-all
/// then ring; narrow sliding windows on modest sequences with few KV heads favour all-gather. The model assumes H200
/// GPUs (580 TFLOP/s of attention, measured), 2-byte elements and 15 µs per ring step or collective call; it does not
/// model memory (all-gather holds every rank's K and V).
/// </remarks>
public static class ContextParallelStrategies
{
    /// <summary>The strategy to run <paramref name="problem"/> with over <paramref name="link"/>.</summary>
    /// <param name="problem">The problem; its own <see cref="RingProblem.Strategy"/> and <see cref="RingProblem.AllToAllSize"/> are ignored.</param>
    /// <param name="link">The link between the ranks.</param>
    /// <exception cref="ArgumentException">The problem is invalid even for the ring (see <see cref="RingProblem.Validate"/>).</exception>
    public static StrategyRecommendation Choose(RingProblem problem, LinkKind link = LinkKind.NvLink)
    {
        ArgumentNullException.ThrowIfNull(problem);
        LinkModel model = link switch
        {
            LinkKind.NvLink => LinkModel.NvLink4H200,
            LinkKind.InfiniBand => LinkModel.InfiniBandNdr400,
            _ => throw new ArgumentOutOfRangeException(nameof(link), link, "LinkKind has no such value."),
        };
        StrategyChoice choice = StrategyHeuristic.Choose(problem, model);
        return new StrategyRecommendation(choice.Strategy, choice.AllToAllSize, choice.Reason);
    }
}
