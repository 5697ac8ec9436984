namespace RingAttention.Benchmarks.Tests;

/// <summary>The strategy suite (<c>--strategies</c>): its cases, its transfer-volume section and its goal.</summary>
public sealed class StrategySuiteTests
{
    [Fact]
    public void The_full_suite_runs_every_allowed_strategy_at_N_2_4_8_for_both_shapes()
    {
        IReadOnlyList<BenchCase> cases = StrategyCatalog.Build(CaseCatalog.Size.Full);
        string[] ids = [.. cases.Select(c => c.Id)];

        foreach (string heads in new[] { "H16", "H32x8" })
        {
            Assert.Contains($"base-S064K-causal-{heads}", ids);
            foreach (int n in new[] { 2, 4, 8 })
            {
                foreach (string strategy in new[] { "ring", "allgather", "alltoall" })
                {
                    Assert.Contains($"strat-{strategy}-N{n}-S064K-causal-dual-{heads}", ids);
                }

                Assert.Contains($"crit-N{n}r{n - 1}-S064K-causal-dual-{heads}", ids);
                Assert.Contains($"kern-alltoall-N{n}-S064K-causal-dual-{heads}", ids);
                Assert.Contains($"kern-allgather-N{n}r{n - 1}-S064K-causal-dual-{heads}", ids);
                Assert.Contains($"kern-allgather-N{n}r0-S064K-causal-dual-{heads}", ids);
            }

            Assert.Contains($"strat-a2a2ring-N4-S064K-causal-dual-{heads}", ids);
            Assert.Contains($"strat-a2a4ring-N8-S064K-causal-dual-{heads}", ids);
            Assert.Contains($"kern-a2a4ring-N8r1-S064K-causal-dual-{heads}", ids);
        }

        Assert.DoesNotContain(ids, id => id.StartsWith("strat-a2a", StringComparison.Ordinal) && id.Contains("-N2-", StringComparison.Ordinal));
        Assert.Equal(ids.Length, ids.Distinct().Count());
        foreach (BenchCase c in cases)
        {
            c.Problem.Validate();
        }
    }

    [Fact]
    public void Quick_and_smoke_keep_the_structure()
    {
        Assert.All(StrategyCatalog.Build(CaseCatalog.Size.Quick).Where(c => c.Kind != CaseKind.Baseline), c => Assert.Equal(8, c.RingSize));
        IReadOnlyList<BenchCase> smoke = StrategyCatalog.Build(CaseCatalog.Size.Smoke);
        Assert.All(smoke, c => Assert.True(c.SequenceLength <= 1024, c.Id));
        Assert.Contains(smoke, c => c.Kind == CaseKind.StrategyKernels && c.Strategy == ContextParallelStrategy.AllToAllThenRing);
    }

    [Fact]
    public void An_all_to_all_rank_runs_the_whole_sequence_on_its_heads()
    {
        var c = new BenchCase(CaseKind.StrategyKernels, 65536, AttentionMask.Causal, 32, 8, 8, LoadBalancing.DualChunk, Strategy: ContextParallelStrategy.AllToAll);
        RingProblem rank = StrategyKernels.AllToAllRankProblem(c.Problem);

        Assert.Equal((65536, 4, 1, 1), (rank.SequenceLength, rank.QueryHeads, rank.KeyValueHeads, rank.RingSize));
        RingProblem inner = StrategyKernels.InnerRingProblem(c.Problem with { Strategy = ContextParallelStrategy.AllToAllThenRing, AllToAllSize = 4 });
        Assert.Equal((2, 8, 2), (inner.RingSize, inner.QueryHeads, inner.KeyValueHeads));
    }

    [Fact]
    public void The_section_gives_each_strategys_volume_and_its_nvlink_time()
    {
        var ring = new BenchCase(CaseKind.StrategyTotal, 65536, AttentionMask.Causal, 16, 16, 8, LoadBalancing.DualChunk);
        StrategyRow row = Assert.Single(StrategyReport.Build([], [ring]));

        // K and V shards of 8192 x 16 x 128 bf16 = 32 MiB each; 7 steps forward, K/V again and dK/dV backward.
        Assert.Equal(7 * 2 * 32.0, row.ForwardMiB, 9);
        Assert.Equal(2 * 7 * 2 * 32.0, row.BackwardMiB, 9);
        Assert.Equal(7 * 2 * 32.0 * (1 << 20) / 450e9 * 1e3, row.ForwardLinkMs, 9);
        Assert.False(row.Chosen);
        Assert.Null(row.TotalMs);

        // The heuristic's pick for the shape: all-to-all, 1/8 of Q, K, V, O (8192 x 16 x 128 bf16 = 32 MiB each) 7/8 sent.
        StrategyRow allToAll = Assert.Single(StrategyReport.Build([], [ring with { Strategy = ContextParallelStrategy.AllToAll }]));
        Assert.True(allToAll.Chosen);
        Assert.Equal(4 * 32.0 * 7 / 8, allToAll.ForwardMiB, 9);

        var md = new System.Text.StringBuilder();
        StrategyReport.Append(md, [row, allToAll]);
        Assert.Contains("| S=65536 causal H=16 | 8 | ring | 448.0 / 896.0 |", md.ToString(), StringComparison.Ordinal);
        Assert.Contains("| S=65536 causal H=16 | 8 | all-to-all ✓ | 112.0 / 112.0 |", md.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10.0, 12.0, true)]
    [InlineData(12.0, 10.0, false)]
    public void The_goal_is_met_when_the_heuristics_pick_is_the_fastest(double ringMs, double allToAllMs, bool met)
    {
        StrategyRow ring = Row(ContextParallelStrategy.Ring, ringMs, chosen: true);
        StrategyRow allToAll = Row(ContextParallelStrategy.AllToAll, allToAllMs, chosen: false);

        GoalResult goal = StrategyReport.Goals([ring, allToAll])[0];

        Assert.Equal(met, goal.Met);
        Assert.Contains("heuristic: ring; fastest: " + (met ? "ring" : "all-to-all"), goal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_strategy_left_unmeasured_leaves_the_goal_not_measured()
    {
        StrategyRow ring = Row(ContextParallelStrategy.Ring, 10.0, chosen: true);
        StrategyRow allGather = Row(ContextParallelStrategy.AllGather, 8.0, chosen: false) with { TotalForwardMs = null };

        IReadOnlyList<GoalResult> goals = StrategyReport.Goals([ring, allGather]);

        Assert.Null(goals[0].Met);
        Assert.Equal("not measured: all-gather", goals[0].Detail);

        // The replay goal leaves out a strategy the suite does not replay (the committed runs before all-gather's
        // replay), so the ring alone decides it; a replayed strategy without its numbers leaves it not measured.
        StrategyRow replayed = ring with { KernelForwardMs = 1.0, KernelBackwardMs = 2.0 };
        Assert.True(StrategyReport.Goals([replayed, allGather with { Replayed = false }])[1].Met);
        Assert.Equal("not measured: all-gather", StrategyReport.Goals([replayed, allGather])[1].Detail);
    }

    private static StrategyRow Row(ContextParallelStrategy strategy, double totalMs, bool chosen) =>
        new("S=65536 causal H=16", 8, strategy, 0, 1, 2, 0.1, 0.2, 0, totalMs / 2, totalMs / 2, null, null, chosen, Replayed: true);
}
