namespace RingAttention.Benchmarks.Tests;

/// <summary>The packed-documents suite (<c>--packed</c>): its cases and its goal.</summary>
public sealed class PackedSuiteTests
{
    [Fact]
    public void The_full_suite_packs_64K_tokens_from_20_mixed_documents_and_replays_every_rank_of_8()
    {
        IReadOnlyList<BenchCase> cases = PackedCatalog.Build(CaseCatalog.Size.Full);
        IReadOnlyList<int> lengths = PackedCatalog.MixedLengths;

        Assert.Equal(20, lengths.Count);
        Assert.Equal(65536, lengths.Sum());
        Assert.True(lengths.Max() > 10 * lengths.Min(), "the lengths must be mixed");
        Assert.Equal(["base-S064K-causal-H16-thd20", .. Enumerable.Range(0, 8).Select(r => $"crit-N8r{r}-S064K-causal-dual-H16-thd20")], cases.Select(c => c.Id));
        foreach (BenchCase c in cases)
        {
            RingProblem problem = c.Problem;
            problem.Validate();
            Assert.Equal(TensorLayout.Thd, problem.Layout);
            Assert.Equal(lengths, problem.Documents!.Lengths);
        }

        // One GPU holds the documents unpadded; a rank's shard holds each one padded to a multiple of 2N.
        Assert.Equal(65536, cases[0].Problem.Documents!.PaddedTotalLength);
        Assert.All(cases[1].Problem.Documents!.PaddedLengths, p => Assert.Equal(0, p % 16));
    }

    [Fact]
    public void Packed_flops_count_each_document_alone()
    {
        var c = new BenchCase(CaseKind.Baseline, 300, AttentionMask.Causal, 2, 2, HeadDim: 64, Documents: [100, 200]);

        Assert.Equal(4.0 * 2 * 64 * ((100.0 * 100) + (200.0 * 200)) / 2, c.Flops(Pass.Forward));
        Assert.Equal(2.5 * c.Flops(Pass.Forward), c.Flops(Pass.Backward));
    }

    [Fact]
    public void Smoke_keeps_the_structure_with_tiny_documents()
    {
        IReadOnlyList<BenchCase> smoke = PackedCatalog.Build(CaseCatalog.Size.Smoke);

        Assert.Contains(1, PackedCatalog.SmokeLengths);
        Assert.Equal(3, smoke.Count);
        Assert.All(smoke, c => c.Problem.Validate());
    }

    [Theory]
    [InlineData(new[] { 1.10, 1.14, 1.00 }, 8.0, true)]
    [InlineData(new[] { 1.10, 1.16, 1.00 }, 8.0, false)]
    public void The_goal_compares_the_slowest_rank_with_115_percent_of_one_gpu_over_n(double[] ranks, double baseline, bool met)
    {
        // Three ranks here: the bound is 1.15 × 8.0 / 3 = 3.067 ms; ranks are scaled to sit near it.
        double bound = PackedReport.Factor * baseline / ranks.Length;
        List<ResultRow> rows = [Row(CaseKind.Baseline, null, baseline, 1)];
        rows.AddRange(ranks.Select((f, r) => Row(CaseKind.CriticalPath, r, f * baseline / ranks.Length, ranks.Length)));

        GoalResult forward = PackedReport.Goals(rows)[0];

        Assert.Equal(met, forward.Met);
        Assert.Equal(bound, forward.Limit!.Value, 9);
        Assert.Contains("slowest rank 1", forward.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_rank_leaves_the_goal_not_measured()
    {
        List<ResultRow> rows = [Row(CaseKind.Baseline, null, 8.0, 1), Row(CaseKind.CriticalPath, 0, 1.0, 2), Row(CaseKind.CriticalPath, 1, null, 2)];

        GoalResult forward = PackedReport.Goals(rows)[0];

        Assert.Null(forward.Met);
        Assert.Contains("1 of 2 ranks", forward.Detail, StringComparison.Ordinal);
    }

    private static ResultRow Row(CaseKind kind, int? rank, double? mean, int ringSize) => new(
        kind == CaseKind.Baseline ? "base" : $"crit-r{rank}", kind, Pass.Forward, 65536, "causal", 16, 16, 128, ringSize, rank, "DualChunk",
        10, mean, 0.01, mean, null, null, null, null, null, null, mean is null);
}
