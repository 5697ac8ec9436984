using RingAttention.Cuda;
using RingAttention.Strategies;

namespace RingAttention.Benchmarks;

/// <summary>
/// One rank's kernel work under a strategy, replayed alone without transfers (<see cref="CaseKind.StrategyKernels"/>).
/// All-to-all: after the exchange a rank runs one full-sequence call on its Hq/N query heads and Hkv/N KV heads (one
/// replica when N exceeds Hkv), which is the single-call baseline on those heads. All-to-all then ring: a rank runs
/// its inner ring's rank on the member's sub-problem (<see cref="HierarchicalLayout.SubProblem"/>), which the ring's
/// replay (<see cref="CudaRankReplay"/>) runs. All-gather: a rank runs the ring's blocks against its gathered K/V
/// (<see cref="AllGatherLoop{TTensor}"/>), replayed with its gathers and reduce-scatters left out.
/// </summary>
public static class StrategyKernels
{
    /// <summary>The problem one all-to-all rank solves alone: the whole sequence on its share of the heads.</summary>
    public static RingProblem AllToAllRankProblem(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int n = problem.RingSize;
        return problem with
        {
            RingSize = 1,
            Balance = LoadBalancing.None,
            QueryHeads = problem.QueryHeads / n,
            KeyValueHeads = problem.KeyValueHeads % n == 0 ? problem.KeyValueHeads / n : 1,
            Strategy = ContextParallelStrategy.Ring,
            AllToAllSize = 0,
        };
    }

    /// <summary>The inner ring's problem of all-to-all then ring.</summary>
    public static RingProblem InnerRingProblem(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new HierarchicalLayout(problem, problem.AllToAllSize).SubProblem;
    }

    /// <summary>The runner of a <see cref="CaseKind.StrategyKernels"/> case.</summary>
    internal static IAttentionRunner Create(BenchCase c, CudaAttentionContext context)
    {
        ArgumentNullException.ThrowIfNull(c);
        RingProblem problem = c.Problem;
        return problem.Strategy switch
        {
            ContextParallelStrategy.AllToAll => new BaselineRunner(AllToAllRankProblem(problem), context),
            ContextParallelStrategy.AllToAllThenRing => CudaRankReplay.ForRank(InnerRingProblem(problem), c.Rank, context),
            ContextParallelStrategy.AllGather => CudaRankReplay.ForRank(problem, c.Rank, context),
            _ => throw new ArgumentException($"no kernel replay for {problem.Strategy}", nameof(c)),
        };
    }
}
