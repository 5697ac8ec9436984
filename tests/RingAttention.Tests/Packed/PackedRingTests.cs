using RingAttention.Cpu;

namespace RingAttention.Tests.Packed;

/// <summary>The CPU ring over packed documents against each document's own float64 attention, forward and backward.</summary>
public sealed class PackedRingTests
{
    public static TheoryData<int, AttentionMask, LoadBalancing, string, int> Cases()
    {
        var data = new TheoryData<int, AttentionMask, LoadBalancing, string, int>();
        foreach (int n in new[] { 1, 2, 3, 4 })
        {
            foreach (AttentionMask mask in new[] { AttentionMask.Causal, AttentionMask.None })
            {
                foreach (LoadBalancing balance in new[] { LoadBalancing.DualChunk, LoadBalancing.Striped })
                {
                    // A document of one token, lengths not divisible by 2N, one shorter than N; GQA on every other case.
                    data.Add(n, mask, balance, "1,13,2,9", n % 2 == 0 ? 1 : 2);
                }
            }
        }

        data.Add(3, AttentionMask.Causal, LoadBalancing.None, "5,1,12", 2);
        data.Add(4, AttentionMask.Causal, LoadBalancing.DualChunk, "16,8", 2);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Packed_forward_and_backward_match_each_document_alone(int ringSize, AttentionMask mask, LoadBalancing balance, string lengths, int keyValueHeads)
    {
        RingProblem problem = PackedCases.Problem(ringSize, mask, balance, Parse(lengths), queryHeads: 2, keyValueHeads: keyValueHeads);
        Check(problem);
    }

    [Theory]
    [InlineData(4, AttentionMask.Causal, LoadBalancing.DualChunk, 3, 0)]
    [InlineData(3, AttentionMask.None, LoadBalancing.Striped, 2, 1)]
    public void Windows_apply_inside_each_document(int ringSize, AttentionMask mask, LoadBalancing balance, int left, int right)
    {
        RingProblem problem = PackedCases.Problem(ringSize, mask, balance, [1, 13, 2, 9], window: new AttentionWindow(left, right));
        Check(problem);
    }

    public static TheoryData<ContextParallelStrategy, int, AttentionMask, LoadBalancing, int, string> StrategyCases()
    {
        var data = new TheoryData<ContextParallelStrategy, int, AttentionMask, LoadBalancing, int, string>();
        foreach (AttentionMask mask in new[] { AttentionMask.Causal, AttentionMask.None })
        {
            foreach (LoadBalancing balance in new[] { LoadBalancing.DualChunk, LoadBalancing.Striped, LoadBalancing.None })
            {
                data.Add(ContextParallelStrategy.AllGather, 3, mask, balance, 0, "-");
                data.Add(ContextParallelStrategy.AllToAll, 2, mask, balance, 0, "-");
                data.Add(ContextParallelStrategy.AllToAll, 4, mask, balance, 0, "3,1");
            }

            data.Add(ContextParallelStrategy.AllToAllThenRing, 4, mask, LoadBalancing.DualChunk, 2, "-");
            data.Add(ContextParallelStrategy.AllToAllThenRing, 6, mask, LoadBalancing.DualChunk, 2, "4,2");
            data.Add(ContextParallelStrategy.AllToAllThenRing, 8, mask, LoadBalancing.DualChunk, 4, "-");
            data.Add(ContextParallelStrategy.AllToAllThenRing, 4, mask, LoadBalancing.None, 2, "2,0");
            data.Add(ContextParallelStrategy.AllGather, 4, mask, LoadBalancing.DualChunk, 0, "3,2");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StrategyCases))]
    public void Every_strategy_runs_packed_documents(
        ContextParallelStrategy strategy, int ringSize, AttentionMask mask, LoadBalancing balance, int allToAllSize, string window)
    {
        // Twelve query heads over two KV heads: divisible by every group size here, and replicated KV heads when Na > 2.
        AttentionWindow? band = window == "-" ? null : Window(window, mask);
        RingProblem problem = PackedCases.Problem(ringSize, mask, balance, [1, 13, 2, 9], queryHeads: 12, keyValueHeads: 2, window: band) with
        {
            Strategy = strategy,
            AllToAllSize = allToAllSize,
        };
        Check(problem);
    }

    [Theory]
    [InlineData(AttentionMask.Causal, null)]
    [InlineData(AttentionMask.None, "3,1")]
    public void The_float64_reference_attends_inside_each_document(AttentionMask mask, string? window)
    {
        RingProblem problem = PackedCases.Problem(2, mask, LoadBalancing.DualChunk, [1, 13, 2, 9], window: window is null ? null : Window(window, mask));
        (int seed, float[] q, float[] k, float[] v, float[] dO) = TestTensors.Inputs(problem);

        (double[] o, double[] lse) = AttentionReference.Forward(problem, q, k, v);
        (double[] dq, double[] dk, double[] dv) = AttentionReference.Backward(problem, q, k, v, dO);

        PackedCases.Reference expected = PackedCases.PerDocument(problem, q, k, v, dO);
        foreach ((double[] actual, double[] alone, string what) in new[]
        {
            (o, expected.Output, "O"), (lse, expected.Lse, "LSE"), (dq, expected.QueryGradient, "dQ"), (dk, expected.KeyGradient, "dK"), (dv, expected.ValueGradient, "dV"),
        })
        {
            Assert.Equal(alone.Length, actual.Length);
            double largest = alone.Max(Math.Abs);
            Assert.True(actual.Zip(alone).All(x => Math.Abs(x.First - x.Second) <= 1e-12 * largest), $"{what} (seed {seed})");
        }
    }

    [Fact]
    public void Padding_rows_give_zero_output_minus_infinity_lse_and_zero_gradients()
    {
        RingProblem problem = PackedCases.Problem(3, AttentionMask.Causal, LoadBalancing.DualChunk, [1, 7, 2]);
        var random = new Random(TestTensors.FreshSeed());
        float[][] q = Shards(random, problem, problem.LocalQueryElements);
        float[][] k = Shards(random, problem, problem.LocalKeyValueElements);
        float[][] v = Shards(random, problem, problem.LocalKeyValueElements);
        float[][] dO = Shards(random, problem, problem.LocalQueryElements);
        float[][] o = Shards(random, problem, problem.LocalQueryElements);
        float[][] lse = Shards(random, problem, problem.LocalLseElements);
        float[][] dq = Shards(random, problem, problem.LocalQueryElements);
        float[][] dk = Shards(random, problem, problem.LocalKeyValueElements);
        float[][] dv = Shards(random, problem, problem.LocalKeyValueElements);
        for (int r = 0; r < problem.RingSize; r++)
        {
            // Garbage, NaN included, in the padding rows of the inputs must not leak anywhere.
            foreach (int row in PaddingRows(problem, r))
            {
                q[r].AsSpan(row * 16, 16).Fill(float.NaN);
                k[r].AsSpan(row * 16, 16).Fill(float.NaN);
                dO[r].AsSpan(row * 16, 16).Fill(float.NaN);
            }
        }

        using var ring = new CpuRingAttention(problem);
        ring.Forward(new(q, k, v, o, lse));
        ring.Backward(new(q, k, v, o, lse, dO, dq, dk, dv));
        int local = problem.LocalLength;
        for (int r = 0; r < problem.RingSize; r++)
        {
            int[] padding = PaddingRows(problem, r);
            Assert.NotEmpty(padding);
            foreach (int row in padding)
            {
                Assert.All(o[r].AsSpan(row * 16, 16).ToArray(), x => Assert.Equal(0f, x));
                Assert.All(dq[r].AsSpan(row * 16, 16).ToArray(), x => Assert.Equal(0f, x));
                Assert.All(dk[r].AsSpan(row * 16, 16).ToArray(), x => Assert.Equal(0f, x));
                Assert.All(dv[r].AsSpan(row * 16, 16).ToArray(), x => Assert.Equal(0f, x));
                Assert.Equal(float.NegativeInfinity, lse[r][row]);
                Assert.Equal(float.NegativeInfinity, lse[r][local + row]);
            }

            Assert.DoesNotContain(o[r], float.IsNaN);
            Assert.DoesNotContain(dq[r], float.IsNaN);
            Assert.DoesNotContain(dk[r], float.IsNaN);
            Assert.DoesNotContain(dv[r], float.IsNaN);
        }
    }

    private static void Check(RingProblem problem)
    {
        (int seed, float[] q, float[] k, float[] v, float[] dO) = TestTensors.Inputs(problem);

        using var ring = new CpuRingAttention(problem);
        AttentionOutput forward = ring.ForwardFullSequence(q, k, v);
        AttentionGradients gradients = ring.BackwardFullSequence(q, k, v, forward.Output, forward.Lse, dO);
        PackedCases.Reference expected = PackedCases.PerDocument(problem, q, k, v, dO);
        CpuRingCheck.AssertClose(forward.Output, expected.Output, "O", seed, problem);
        CpuRingCheck.AssertClose(forward.Lse, expected.Lse, "LSE", seed, problem);
        CpuRingCheck.AssertClose(gradients.QueryGradient, expected.QueryGradient, "dQ", seed, problem);
        CpuRingCheck.AssertClose(gradients.KeyGradient, expected.KeyGradient, "dK", seed, problem);
        CpuRingCheck.AssertClose(gradients.ValueGradient, expected.ValueGradient, "dV", seed, problem);
    }

    private static int[] PaddingRows(RingProblem problem, int rank) =>
        [.. PackedReorder.ShardRows(problem.Documents!, problem.Balance, problem.RingSize, rank).Select((row, j) => (row, j)).Where(x => x.row < 0).Select(x => x.j)];

    private static float[][] Shards(Random random, RingProblem problem, long elements) =>
        [.. Enumerable.Range(0, problem.RingSize).Select(_ => TestTensors.Uniform(random, elements))];

    private static AttentionWindow Window(string text, AttentionMask mask)
    {
        int[] sides = Parse(text);
        return new AttentionWindow(sides[0], mask == AttentionMask.Causal ? 0 : sides[1]);
    }

    private static int[] Parse(string lengths) => [.. lengths.Split(',').Select(int.Parse)];
}
