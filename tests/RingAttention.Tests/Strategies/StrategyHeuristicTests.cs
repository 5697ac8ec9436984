using RingAttention.Strategies;

namespace RingAttention.Tests.Strategies;

public sealed class StrategyHeuristicTests
{
    private static StrategyChoice Choose(RingProblem problem) => StrategyHeuristic.Choose(problem, LinkModel.NvLink4H200);

    [Fact]
    public void One_rank_runs_the_ring() =>
        Assert.Equal(ContextParallelStrategy.Ring, Choose(StrategyTestProblems.Problem(1, 1024)).Strategy);

    [Theory]
    [InlineData(2, 16, 16)]
    [InlineData(4, 16, 16)]
    [InlineData(8, 16, 16)]
    [InlineData(2, 32, 8)]
    [InlineData(4, 32, 8)]
    [InlineData(8, 32, 8)]
    public void The_measured_h200_problems_pick_all_to_all(int ranks, int queryHeads, int keyValueHeads)
    {
        // The calibration set (benchmarks/results/nvidia-h200-strategies-H16.md, -H32x8.md): S = 64K, causal, dual-chunk.
        // The ring hides all its transfers but its block kernels cost 7 % more than all-to-all's one call.
        RingProblem problem = Model(ranks, 1 << 16, queryHeads, keyValueHeads);
        StrategyChoice choice = Choose(problem);
        Assert.Equal(ContextParallelStrategy.AllToAll, choice.Strategy);
        Assert.Equal(0, StrategyHeuristic.Exposed(problem, ContextParallelStrategy.Ring, 0, LinkModel.NvLink4H200, AttentionWork.ForwardFlopsPerRank(problem) / AttentionWork.H200AttentionFlopsPerSecond, 2));
        Assert.True(choice.ExposedSeconds > 0);
        Assert.Equal(StrategyHeuristic.KernelSeconds(problem, ContextParallelStrategy.AllToAll, 0, AttentionWork.H200AttentionFlopsPerSecond) + choice.ExposedSeconds, choice.ModelledSeconds, 12);
    }

    [Fact]
    public void The_throughput_reproduces_the_measured_single_call()
    {
        // base- rows, fwd + bwd minima: 25.301 + 79.188 ms at H = 16, 55.345 + 159.998 ms at H = 32/8.
        RingProblem h16 = Model(1, 1 << 16, 16, 16);
        RingProblem h32 = Model(1, 1 << 16, 32, 8);
        Assert.InRange(AttentionWork.TotalFlops(h16) / AttentionWork.H200AttentionFlopsPerSecond / 104.489e-3, 0.98, 1.02);
        Assert.InRange(AttentionWork.TotalFlops(h32) / AttentionWork.H200AttentionFlopsPerSecond / 215.343e-3, 0.98, 1.02);
    }

    [Fact]
    public void Kernel_time_is_t1_over_n_with_the_ring_overhead_on_every_ring()
    {
        RingProblem problem = Model(8, 1 << 16, 16, 16);
        double flops = AttentionWork.H200AttentionFlopsPerSecond;
        double share = AttentionWork.TotalFlops(problem) / 8 / flops;
        Assert.Equal(share, StrategyHeuristic.KernelSeconds(problem, ContextParallelStrategy.AllToAll, 0, flops), 12);
        double ring = share * (1 + StrategyHeuristic.RingKernelOverhead);
        Assert.Equal(ring, StrategyHeuristic.KernelSeconds(problem, ContextParallelStrategy.Ring, 0, flops), 12);
        Assert.Equal(ring, StrategyHeuristic.KernelSeconds(problem, ContextParallelStrategy.AllGather, 0, flops), 12);
        Assert.Equal(ring, StrategyHeuristic.KernelSeconds(problem, ContextParallelStrategy.AllToAllThenRing, 4, flops), 12);
        Assert.Equal(0.07, StrategyHeuristic.RingKernelOverhead);
    }

    [Fact]
    public void A_medium_sequence_keeps_the_ring_where_its_overhead_is_less_than_the_all_to_all()
    {
        // S = 32K on 8 ranks of 16 heads: 7 % of 3.3 ms is less than all-to-all's 0.32 ms; at 64K the kernel overhead
        // (quadratic in S) has overtaken the all-to-all's transfer (linear in S).
        StrategyChoice choice = Choose(Model(ranks: 8, sequence: 1 << 15, queryHeads: 16, keyValueHeads: 16));
        Assert.Equal(ContextParallelStrategy.Ring, choice.Strategy);
        Assert.Equal(0, choice.ExposedSeconds);
        Assert.Equal(ContextParallelStrategy.AllToAll, Choose(Model(ranks: 8, sequence: 1 << 16, queryHeads: 16, keyValueHeads: 16)).Strategy);
    }

    [Theory]
    [InlineData(12, 1)]
    [InlineData(12, 12)]
    [InlineData(7, 7)]
    public void Heads_that_do_not_split_over_n_keep_the_ring(int queryHeads, int keyValueHeads)
    {
        RingProblem problem = Model(ranks: 8, sequence: 1 << 20, queryHeads, keyValueHeads);
        Assert.DoesNotContain(StrategyHeuristic.Candidates(problem), c => c.Strategy is ContextParallelStrategy.AllToAll);
        Assert.Equal(ContextParallelStrategy.Ring, Choose(problem).Strategy);
    }

    [Fact]
    public void Infiniband_with_replicated_kv_keeps_the_ring()
    {
        // One KV head on 8 ranks: all-to-all sends K and V 8 times; at 50 GB/s that exceeds the ring's overhead.
        RingProblem problem = Model(ranks: 8, sequence: 1 << 16, queryHeads: 32, keyValueHeads: 1);
        Assert.Equal(ContextParallelStrategy.Ring, StrategyHeuristic.Choose(problem, LinkModel.InfiniBandNdr400).Strategy);
        Assert.Equal(ContextParallelStrategy.AllToAll, Choose(problem).Strategy);
    }

    [Fact]
    public void A_narrow_window_with_one_kv_head_all_gathers()
    {
        // W <= c: only 2 of the 7 ring steps have work; all-to-all would replicate the KV head 8 times and move Q, O.
        RingProblem problem = Model(ranks: 8, sequence: 1 << 15, queryHeads: 32, keyValueHeads: 1) with { Window = AttentionWindow.Causal(256) };
        Assert.Equal(ContextParallelStrategy.AllGather, Choose(problem).Strategy);
    }

    [Fact]
    public void Short_sequences_with_enough_heads_use_all_to_all()
    {
        StrategyChoice choice = Choose(Model(ranks: 8, sequence: 2048, queryHeads: 32, keyValueHeads: 32));
        Assert.Equal(ContextParallelStrategy.AllToAll, choice.Strategy);
        Assert.Contains("AllToAll", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void More_ranks_than_kv_heads_and_medium_shards_use_all_to_all_then_ring()
    {
        // 16 ranks, 4 KV heads, L = 2048: a 16-step ring cannot hide its steps, all-to-all is not allowed (Hq < N);
        // a2a over groups of 4 and a 4-step ring over shards of 4L rows hides the ring part.
        RingProblem problem = Model(ranks: 16, sequence: 1 << 15, queryHeads: 4, keyValueHeads: 4);
        StrategyChoice choice = Choose(problem);
        Assert.Equal(ContextParallelStrategy.AllToAllThenRing, choice.Strategy);
        Assert.Equal(4, choice.AllToAllSize);
        choice.Apply(problem).Validate();
    }

    [Fact]
    public void The_same_narrow_window_on_a_long_sequence_keeps_the_ring()
    {
        RingProblem problem = Model(ranks: 8, sequence: 1 << 20, queryHeads: 32, keyValueHeads: 1) with { Window = AttentionWindow.Causal(256) };
        Assert.Equal(ContextParallelStrategy.Ring, Choose(problem).Strategy);
    }

    [Fact]
    public void Busy_ring_steps_follow_the_window_reach()
    {
        RingProblem problem = Model(ranks: 8, sequence: 1 << 12, queryHeads: 8, keyValueHeads: 8);
        Assert.Equal(7, AttentionWork.BusyRingSteps(problem));
        Assert.Equal(2, AttentionWork.BusyRingSteps(problem with { Window = AttentionWindow.Causal(256) }));
        Assert.Equal(4, AttentionWork.BusyRingSteps(problem with { Window = AttentionWindow.Causal(257) }));
        Assert.Equal(1, AttentionWork.BusyRingSteps(problem with { Balance = LoadBalancing.None, Window = AttentionWindow.Causal(512) }));
        Assert.Equal(3, AttentionWork.BusyRingSteps(problem with { Balance = LoadBalancing.Striped, Window = AttentionWindow.Causal(3) }));
    }

    [Fact]
    public void Striped_never_gets_the_hierarchy_but_may_get_all_gather()
    {
        RingProblem problem = Model(ranks: 8, sequence: 4096, queryHeads: 8, keyValueHeads: 1) with { Balance = LoadBalancing.Striped };
        Assert.DoesNotContain(StrategyHeuristic.Candidates(problem), c => c.Strategy is ContextParallelStrategy.AllToAllThenRing);
        Assert.Contains(StrategyHeuristic.Candidates(problem), c => c.Strategy is ContextParallelStrategy.AllGather);
    }

    [Fact]
    public void Every_choice_is_a_problem_that_validates()
    {
        foreach (int ranks in new[] { 2, 4, 8 })
        {
            foreach (int sequence in new[] { 2048, 1 << 16 })
            {
                foreach (int kv in new[] { 1, 2, 8 })
                {
                    RingProblem problem = Model(ranks, sequence, queryHeads: 16, keyValueHeads: kv);
                    Choose(problem).Apply(problem).Validate();
                }
            }
        }
    }

    private static RingProblem Model(int ranks, int sequence, int queryHeads, int keyValueHeads) =>
        StrategyTestProblems.Problem(ranks, sequence, LoadBalancing.DualChunk, AttentionMask.Causal, queryHeads: queryHeads, keyValueHeads: keyValueHeads, headDim: 128);
}
