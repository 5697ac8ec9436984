using RingAttention.Cpu;

namespace RingAttention.Tests;

public sealed class RingForwardTests
{
    [Theory]
    [MemberData(nameof(RingCaseData.MasksAndBalances), MemberType = typeof(RingCaseData))]
    public void Forward_matches_float64_reference(int ringSize, AttentionMask mask, LoadBalancing balance)
    {
        RingProblem problem = TestTensors.Problem(ringSize, mask, balance, sequence: RingCaseData.SequenceFor(ringSize));
        AssertForwardMatchesReference(problem);
    }

    [Theory]
    [InlineData(4, AttentionMask.Causal, LoadBalancing.DualChunk, TensorLayout.Sbhd)]
    [InlineData(3, AttentionMask.Causal, LoadBalancing.Striped, TensorLayout.Sbhd)]
    [InlineData(2, AttentionMask.None, LoadBalancing.None, TensorLayout.Sbhd)]
    [InlineData(8, AttentionMask.Causal, LoadBalancing.None, TensorLayout.Bshd)]
    public void Forward_with_gqa_batch_and_layouts_matches_reference(int ringSize, AttentionMask mask, LoadBalancing balance, TensorLayout layout)
    {
        RingProblem problem = TestTensors.Problem(
            ringSize, mask, balance, batch: 2, sequence: 4 * ringSize, queryHeads: 4, keyValueHeads: 2, headDim: 16, layout: layout);
        AssertForwardMatchesReference(problem);
    }

    [Theory]
    [InlineData(4, 4, 1)] // MQA
    [InlineData(2, 6, 3)]
    public void Forward_with_mqa_and_custom_scale_matches_reference(int ringSize, int queryHeads, int keyValueHeads)
    {
        RingProblem problem = TestTensors.Problem(
            ringSize, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 8 * ringSize,
            queryHeads: queryHeads, keyValueHeads: keyValueHeads, headDim: 8, scale: 0.9f);
        AssertForwardMatchesReference(problem);
    }

    [Fact]
    public void Forward_handles_large_logits_without_overflow()
    {
        // Scores around ±400 overflow exp() in float32 unless every merge works in the log domain.
        RingProblem problem = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 16, headDim: 8, scale: 1f);
        AssertForwardMatchesReference(problem, inputScale: 7f);
    }

    [Fact]
    public void Repeated_calls_give_identical_results()
    {
        RingProblem problem = TestTensors.Problem(3, AttentionMask.Causal, LoadBalancing.Striped, sequence: 12);
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] k = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] v = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        using var ring = new CpuRingAttention(problem);

        AttentionOutput first = ring.ForwardFullSequence(q, k, v);
        AttentionOutput second = ring.ForwardFullSequence(q, k, v);

        Assert.Equal(first.Output, second.Output);
        Assert.Equal(first.Lse, second.Lse);
    }

    private static void AssertForwardMatchesReference(RingProblem problem, float inputScale = 1f)
    {
        int seed = TestTensors.FreshSeed();
        var random = new Random(seed);
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount, inputScale);
        float[] k = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount, inputScale);
        float[] v = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);

        using var ring = new CpuRingAttention(problem);
        AttentionOutput result = ring.ForwardFullSequence(q, k, v);
        (double[] expectedO, double[] expectedLse) = AttentionReference.Forward(problem, q, k, v);

        double outputError = TestTensors.RelativeError(result.Output, expectedO);
        double lseError = TestTensors.RelativeError(result.Lse, expectedLse);
        Assert.True(outputError < 1e-5, $"O relative error {outputError:E2} (seed {seed}, {problem})");
        Assert.True(lseError < 1e-5, $"LSE relative error {lseError:E2} (seed {seed}, {problem})");
    }
}
