using RingAttention.Strategies;

namespace RingAttention.Tests;

/// <summary>The public face of the strategy heuristic: the documented cases, the link, and the result applied.</summary>
public sealed class ContextParallelStrategiesTests
{
    [Fact]
    public void The_measured_benchmark_problems_run_all_to_all_on_nvlink()
    {
        // The H200 benchmark's problems (dual-chunk causal, S = 64K): the ring hides its transfers, but its block
        // kernels cost 7 % more than all-to-all's single call, more than all-to-all's exposed exchange.
        foreach (int ranks in new[] { 2, 4, 8 })
        {
            foreach ((int hq, int hkv) in new[] { (16, 16), (32, 8) })
            {
                StrategyRecommendation choice = ContextParallelStrategies.Choose(Problem(ranks, 1 << 16, hq, hkv));
                Assert.Equal(ContextParallelStrategy.AllToAll, choice.Strategy);
                Assert.Equal(0, choice.AllToAllSize);
                Assert.StartsWith("AllToAll: least modelled time", choice.Reason, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Heads_that_do_not_split_keep_the_ring()
    {
        StrategyRecommendation choice = ContextParallelStrategies.Choose(Problem(8, 1 << 16, 12, 1));
        Assert.Equal(ContextParallelStrategy.Ring, choice.Strategy);
        Assert.StartsWith("Ring: least modelled time", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_sequences_with_heads_that_split_use_all_to_all()
    {
        StrategyRecommendation choice = ContextParallelStrategies.Choose(Problem(8, 2048, 32, 32));
        Assert.Equal(ContextParallelStrategy.AllToAll, choice.Strategy);
        Assert.StartsWith("AllToAll", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void More_ranks_than_kv_heads_use_the_hierarchy_and_the_result_applies()
    {
        RingProblem problem = Problem(16, 1 << 15, 4, 4);
        StrategyRecommendation choice = ContextParallelStrategies.Choose(problem);
        Assert.Equal(ContextParallelStrategy.AllToAllThenRing, choice.Strategy);
        Assert.Equal(4, choice.AllToAllSize);
        RingProblem applied = choice.ApplyTo(problem);
        Assert.Equal((ContextParallelStrategy.AllToAllThenRing, 4), (applied.Strategy, applied.AllToAllSize));
        applied.Validate();
    }

    [Fact]
    public void A_narrow_window_with_one_kv_head_all_gathers()
    {
        RingProblem problem = Problem(8, 1 << 15, 32, 1) with { Window = AttentionWindow.Causal(256) };
        Assert.Equal(ContextParallelStrategy.AllGather, ContextParallelStrategies.Choose(problem).Strategy);
    }

    [Fact]
    public void A_slower_link_keeps_the_ring_where_all_to_all_moves_replicated_kv()
    {
        // One KV head on 8 ranks: all-to-all sends K and V 8 times. On NVLink that costs less than the ring's kernel
        // overhead; at 50 GB/s it costs more, while the ring still hides its steps behind compute.
        RingProblem problem = Problem(8, 1 << 16, 32, 1);
        Assert.Equal(ContextParallelStrategy.AllToAll, ContextParallelStrategies.Choose(problem, LinkKind.NvLink).Strategy);
        Assert.Equal(ContextParallelStrategy.Ring, ContextParallelStrategies.Choose(problem, LinkKind.InfiniBand).Strategy);
    }

    [Fact]
    public void The_public_answer_is_the_heuristics()
    {
        RingProblem problem = Problem(8, 8192, 16, 16);
        StrategyChoice inner = StrategyHeuristic.Choose(problem, LinkModel.InfiniBandNdr400);
        StrategyRecommendation outer = ContextParallelStrategies.Choose(problem, LinkKind.InfiniBand);
        Assert.Equal((inner.Strategy, inner.AllToAllSize, inner.Reason), (outer.Strategy, outer.AllToAllSize, outer.Reason));
        Assert.Equal(outer.Reason, outer.ToString());
    }

    [Fact]
    public void The_problems_own_strategy_is_ignored_and_invalid_problems_throw()
    {
        RingProblem problem = Problem(4, 1 << 16, 16, 16);
        Assert.Equal(
            ContextParallelStrategies.Choose(problem).Strategy,
            ContextParallelStrategies.Choose(problem with { Strategy = ContextParallelStrategy.AllToAllThenRing, AllToAllSize = 3 }).Strategy);
        Assert.Throws<ArgumentException>(() => ContextParallelStrategies.Choose(problem with { SequenceLength = 100 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextParallelStrategies.Choose(problem, (LinkKind)7));
        Assert.Throws<ArgumentNullException>(() => ContextParallelStrategies.Choose(null!));
    }

    private static RingProblem Problem(int ranks, int sequence, int queryHeads, int keyValueHeads) => new()
    {
        BatchSize = 1,
        SequenceLength = sequence,
        QueryHeads = queryHeads,
        KeyValueHeads = keyValueHeads,
        HeadDim = 128,
        RingSize = ranks,
        Mask = AttentionMask.Causal,
        Balance = LoadBalancing.DualChunk,
    };
}
