namespace RingAttention.Benchmarks.Tests;

/// <summary>The benchmark goals' verdicts: min against min of timings taken in alternation, the noise beside them.</summary>
public sealed class GoalVerdictTests
{
    private static readonly CaseCatalog.Shape Single = new(8192, AttentionMask.Causal, 16, 16);
    private static readonly CaseCatalog.RingShape Ring = new(new(65536, AttentionMask.Causal, 16, 16), LoadBalancing.DualChunk, [4]);

    [Fact]
    public void A_series_reports_its_minimum_median_and_relative_deviation()
    {
        var series = new TimingSeries([4.0, 1.0, 3.0, 2.0]);

        Assert.Equal(1.0, series.MinMs);
        Assert.Equal(2.5, series.MedianMs);
        Assert.Equal(Math.Sqrt(5.0 / 3) / 2.5, series.RelativeStdDev, 12);
        Assert.Equal("min 1.000 ms, sd 51.6%", series.ToString());
    }

    [Theory]
    [InlineData(1.02, true)]   // 1.00 / 1.02 = 0.980
    [InlineData(1.04, false)]  // 1.00 / 1.04 = 0.962
    public void Ring_at_N1_is_judged_by_baseline_min_over_ring_min(double ringMin, bool met)
    {
        // The medians (1.30 and 1.05 or so) would say otherwise: only the minima decide.
        var baseCase = new BenchCase(CaseKind.Baseline, Single.SequenceLength, Single.Mask, Single.QueryHeads, Single.KeyValueHeads);
        var timing = new InterleavedTiming(baseCase, baseCase with { Kind = CaseKind.Ring }, Pass.Forward,
            new TimingSeries([1.30, 1.00, 1.35]), new TimingSeries([ringMin, 1.05, 1.06]));

        GoalResult goal = Results.Goals([], [Single], [], interleaved: [timing])[0];

        Assert.Equal(1.00 / ringMin, goal.Measured!.Value, 12);
        Assert.Equal(met, goal.Met);
        Assert.Contains("ring min", goal.Noise, StringComparison.Ordinal);
        Assert.Contains("baseline min 1.000 ms", goal.Noise, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Pass.Forward, false)]  // 10.2 > 1.00 × 40 / 4
    [InlineData(Pass.Backward, true)]  // 10.2 ≤ 1.05 × 40 / 4
    public void The_critical_path_is_the_slowest_ranks_min_against_the_baselines_min_over_N(Pass pass, bool met)
    {
        var baseCase = new BenchCase(CaseKind.Baseline, Ring.Shape.SequenceLength, Ring.Shape.Mask, Ring.Shape.QueryHeads, Ring.Shape.KeyValueHeads);
        var rank3 = new BenchCase(CaseKind.CriticalPath, 65536, AttentionMask.Causal, 16, 16, 4, LoadBalancing.DualChunk, Rank: 3);
        var timing = new InterleavedTiming(baseCase, rank3, pass, new TimingSeries([40.0, 44.0]), new TimingSeries([10.2, 11.0]));

        IReadOnlyList<GoalResult> goals = Results.Goals([], [], [Ring], interleaved: [timing]);
        GoalResult goal = Assert.Single(goals, g => g.Measured is not null);

        Assert.Equal(2, goals.Count); // forward and backward; the other pass has no timing and is not measured
        Assert.Equal(10.2, goal.Measured!.Value);
        Assert.Equal((pass == Pass.Forward ? 1.00 : 1.05) * 40 / 4, goal.Limit!.Value, 12);
        Assert.Equal(met, goal.Met);
        Assert.Contains("slowest rank 3", goal.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_goal_without_an_alternated_timing_is_not_measured()
    {
        IReadOnlyList<GoalResult> goals = Results.Goals([], [Single], [Ring]);

        Assert.Equal(4, goals.Count);
        Assert.All(goals, g => Assert.Null(g.Met));
    }
}
