using RingAttention.Cpu;

namespace RingAttention.Tests;

/// <summary>The check several suites share: the CPU ring, forward and backward, against the float64 reference.</summary>
internal static class CpuRingCheck
{
    /// <summary>Runs <paramref name="problem"/> on fresh inputs through <see cref="CpuRingAttention"/> and compares O, LSE, dQ, dK and dV.</summary>
    public static void MatchesReference(RingProblem problem)
    {
        (int seed, float[] q, float[] k, float[] v, float[] dO) = TestTensors.Inputs(problem);

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

    /// <summary>Asserts a relative error below 1e-5, naming <paramref name="what"/>, the seed and the problem.</summary>
    public static void AssertClose(float[] actual, double[] expected, string what, int seed, RingProblem problem)
    {
        double error = TestTensors.RelativeError(actual, expected);
        Assert.True(error < 1e-5, $"{what} relative error {error:E2} (seed {seed}, {problem})");
    }
}
