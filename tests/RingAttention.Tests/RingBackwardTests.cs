using RingAttention.Cpu;

namespace RingAttention.Tests;

public sealed class RingBackwardTests
{
    [Theory]
    [MemberData(nameof(RingCaseData.MasksAndBalances), MemberType = typeof(RingCaseData))]
    public void Gradients_match_float64_reference(int ringSize, AttentionMask mask, LoadBalancing balance)
    {
        RingProblem problem = TestTensors.Problem(ringSize, mask, balance, sequence: RingCaseData.SequenceFor(ringSize));
        AssertGradientsMatchReference(problem);
    }

    [Theory]
    [InlineData(4, AttentionMask.Causal, LoadBalancing.DualChunk, TensorLayout.Sbhd)]
    [InlineData(3, AttentionMask.Causal, LoadBalancing.Striped, TensorLayout.Bshd)]
    [InlineData(8, AttentionMask.Causal, LoadBalancing.None, TensorLayout.Sbhd)]
    [InlineData(2, AttentionMask.None, LoadBalancing.DualChunk, TensorLayout.Bshd)]
    public void Gradients_with_gqa_batch_and_layouts_match_reference(int ringSize, AttentionMask mask, LoadBalancing balance, TensorLayout layout)
    {
        RingProblem problem = TestTensors.Problem(
            ringSize, mask, balance, batch: 2, sequence: 4 * ringSize, queryHeads: 4, keyValueHeads: 2, headDim: 16, layout: layout);
        AssertGradientsMatchReference(problem);
    }

    [Fact]
    public void Gradients_with_mqa_and_custom_scale_match_reference()
    {
        RingProblem problem = TestTensors.Problem(
            4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 16, queryHeads: 4, keyValueHeads: 1, scale: 0.7f);
        AssertGradientsMatchReference(problem);
    }

    private static void AssertGradientsMatchReference(RingProblem problem)
    {
        (int seed, float[] q, float[] k, float[] v, float[] dO) = TestTensors.Inputs(problem);

        using var ring = new CpuRingAttention(problem);
        AttentionOutput forward = ring.ForwardFullSequence(q, k, v);
        AttentionGradients gradients = ring.BackwardFullSequence(q, k, v, forward.Output, forward.Lse, dO);
        (double[] dq, double[] dk, double[] dv) = AttentionReference.Backward(problem, q, k, v, dO);

        double dqError = TestTensors.RelativeError(gradients.QueryGradient, dq);
        double dkError = TestTensors.RelativeError(gradients.KeyGradient, dk);
        double dvError = TestTensors.RelativeError(gradients.ValueGradient, dv);
        Assert.True(dqError < 1e-5, $"dQ relative error {dqError:E2} (seed {seed}, {problem})");
        Assert.True(dkError < 1e-5, $"dK relative error {dkError:E2} (seed {seed}, {problem})");
        Assert.True(dvError < 1e-5, $"dV relative error {dvError:E2} (seed {seed}, {problem})");
    }
}
