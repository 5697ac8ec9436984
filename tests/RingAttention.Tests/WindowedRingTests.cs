using RingAttention.Cpu;

namespace RingAttention.Tests;

/// <summary>The CPU ring with sliding windows against the float64 reference, forward and backward.</summary>
public sealed class WindowedRingTests
{
    [Theory]
    [MemberData(nameof(WindowCaseData.Cases), MemberType = typeof(WindowCaseData))]
    public void Windowed_forward_and_backward_match_float64_reference(int ringSize, AttentionMask mask, LoadBalancing balance, int left, int right)
    {
        RingProblem problem = WindowCaseData.Problem(ringSize, mask, balance, left, right);
        int seed = TestTensors.FreshSeed();
        var random = new Random(seed);
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] k = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] v = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] dO = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);

        using var ring = new CpuRingAttention(problem);
        AttentionOutput forward = ring.ForwardFullSequence(q, k, v);
        (double[] o, double[] lse) = AttentionReference.Forward(problem, q, k, v);
        AssertClose(forward.Output, o, "O", seed, problem);
        AssertClose(forward.Lse, lse, "LSE", seed, problem);

        AttentionGradients gradients = ring.BackwardFullSequence(q, k, v, forward.Output, forward.Lse, dO);
        (double[] dq, double[] dk, double[] dv) = AttentionReference.Backward(problem, q, k, v, dO);
        AssertClose(gradients.QueryGradient, dq, "dQ", seed, problem);
        AssertClose(gradients.KeyGradient, dk, "dK", seed, problem);
        AssertClose(gradients.ValueGradient, dv, "dV", seed, problem);
    }

    [Theory]
    [InlineData(4, AttentionMask.Causal, LoadBalancing.DualChunk, 1, 0)]
    [InlineData(3, AttentionMask.Causal, LoadBalancing.Striped, 2, 0)]
    [InlineData(2, AttentionMask.None, LoadBalancing.None, 1, 1)]
    public void A_narrow_window_changes_the_result(int ringSize, AttentionMask mask, LoadBalancing balance, int left, int right)
    {
        RingProblem windowed = WindowCaseData.Problem(ringSize, mask, balance, left, right);
        RingProblem plain = windowed with { Window = null };
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, windowed.GlobalQueryShape.ElementCount);
        float[] k = TestTensors.Uniform(random, windowed.GlobalKeyValueShape.ElementCount);
        float[] v = TestTensors.Uniform(random, windowed.GlobalKeyValueShape.ElementCount);

        using var windowedRing = new CpuRingAttention(windowed);
        using var plainRing = new CpuRingAttention(plain);
        float[] a = windowedRing.ForwardFullSequence(q, k, v).Output;
        (double[] unwindowed, _) = AttentionReference.Forward(plain, q, k, v);
        Assert.True(TestTensors.RelativeError(a, unwindowed) > 1e-2, "the window should change the output");
        float[] b = plainRing.ForwardFullSequence(q, k, v).Output;
        Assert.True(TestTensors.RelativeError(b, unwindowed) < 1e-5);
    }

    private static void AssertClose(float[] actual, double[] expected, string what, int seed, RingProblem problem)
    {
        double error = TestTensors.RelativeError(actual, expected);
        Assert.True(error < 1e-5, $"{what} relative error {error:E2} (seed {seed}, {problem})");
    }
}
