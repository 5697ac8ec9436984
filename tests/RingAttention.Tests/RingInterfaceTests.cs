using RingAttention.Cpu;

// These tests exist to call through the interface: CA1859's advice to hold the concrete type would defeat them.
#pragma warning disable CA1859

namespace RingAttention.Tests;

/// <summary>
/// The CPU ring driven only through <see cref="IRingAttention"/>, as a caller that does not know its backend does:
/// forward and backward on full sequences against the float64 reference.
/// </summary>
public sealed class RingInterfaceTests
{
    [Theory]
    [InlineData(4, AttentionMask.Causal, LoadBalancing.DualChunk, TensorLayout.Bshd)]
    [InlineData(3, AttentionMask.None, LoadBalancing.Striped, TensorLayout.Sbhd)]
    public void Cpu_ring_through_the_interface_matches_float64_reference(int ringSize, AttentionMask mask, LoadBalancing balance, TensorLayout layout)
    {
        RingProblem problem = TestTensors.Problem(
            ringSize, mask, balance, batch: 2, sequence: 4 * ringSize, queryHeads: 4, keyValueHeads: 2, headDim: 8, layout: layout);
        (int seed, float[] q, float[] k, float[] v, float[] dO) = TestTensors.Inputs(problem);

        using IRingAttention ring = new CpuRingAttention(problem);
        AttentionOutput forward = ring.ForwardFullSequence(q, k, v);
        AttentionGradients gradients = ring.BackwardFullSequence(q, k, v, forward.Output, forward.Lse, dO);

        Assert.Same(problem, ring.Problem);
        (double[] expectedO, double[] expectedLse) = AttentionReference.Forward(problem, q, k, v);
        (double[] expectedDq, double[] expectedDk, double[] expectedDv) = AttentionReference.Backward(problem, q, k, v, dO);
        AssertClose("O", forward.Output, expectedO, seed);
        AssertClose("LSE", forward.Lse, expectedLse, seed);
        AssertClose("dQ", gradients.QueryGradient, expectedDq, seed);
        AssertClose("dK", gradients.KeyGradient, expectedDk, seed);
        AssertClose("dV", gradients.ValueGradient, expectedDv, seed);
    }

    [Fact]
    public void Wrong_sized_input_through_the_interface_is_an_argument_error_naming_the_tensor()
    {
        RingProblem problem = TestTensors.Problem(2, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 8);
        using IRingAttention ring = new CpuRingAttention(problem);
        float[] kv = new float[problem.GlobalKeyValueShape.ElementCount];

        var error = Assert.Throws<ArgumentException>(() => ring.ForwardFullSequence(new float[1], kv, kv));
        Assert.Equal("query", error.ParamName);
    }

    private static void AssertClose(string name, float[] actual, double[] expected, int seed)
    {
        double error = TestTensors.RelativeError(actual, expected);
        Assert.True(error < 1e-5, $"{name} relative error {error:E2} (seed {seed})");
    }
}
