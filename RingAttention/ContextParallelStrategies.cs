using RingAttention.Strategies;

namespace RingAttention;

/// <summary>
/// Which context-parallel strategy to run a problem with. The rule (documented in RingAttention/Strategies/README.md):
/// among the strategies the problem allows, the one with the least modelled communication time not hidden behind
/// compute, forward plus backward; ties go to the simplest (Ring, AllGather, AllToAll, AllToAllThenRing).
/// </summary>
/// <remarks>
/// In short: long dense sequences hide the ring's transfers, so the ring wins; short shards with heads that split
/// over the ranks favour all-to-all; more ranks than KV heads with medium shards favour all-to-all then ring; narrow
/// sliding windows on modest sequences with few KV heads favour all-gather. The model assumes H200 GPUs (500 TFLOP/s
/// of attention), 2-byte elements and 15 µs per ring step or collective call; it does not model memory (all-gather
/// holds every rank's K and V) nor the kernels' efficiency on short blocks.
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
