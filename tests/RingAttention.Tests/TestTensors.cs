using RingAttention.Testing;

namespace RingAttention.Tests;

/// <summary>Fresh random inputs and the error measure every comparison uses.</summary>
internal static class TestTensors
{
    /// <summary>A new seed per call, so every run draws new inputs; tests print it on failure.</summary>
    public static int FreshSeed() => SharedRandom.FreshSeed();

    public static float[] Uniform(Random random, long count, float scale = 1f) => SharedRandom.Uniform(random, count, scale);

    /// <summary>Q, K, V and dO for <paramref name="problem"/>, drawn from a fresh seed (returned for the failure message).</summary>
    public static (int Seed, float[] Q, float[] K, float[] V, float[] DO) Inputs(RingProblem problem)
    {
        int seed = FreshSeed();
        var random = new Random(seed);
        float[] q = Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] k = Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] v = Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] dO = Uniform(random, problem.GlobalQueryShape.ElementCount);
        return (seed, q, k, v, dO);
    }

    /// <summary>The library's relative error, after checking that no element is NaN.</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected) =>
        SharedChecks.RelativeErrorWithoutNaN(actual, expected, "result");

    public static RingProblem Problem(
        int ringSize,
        AttentionMask mask,
        LoadBalancing balance,
        int batch = 1,
        int sequence = 32,
        int queryHeads = 2,
        int keyValueHeads = 2,
        int headDim = 8,
        TensorLayout layout = TensorLayout.Bshd,
        float? scale = null) => new()
        {
            BatchSize = batch,
            SequenceLength = sequence,
            QueryHeads = queryHeads,
            KeyValueHeads = keyValueHeads,
            HeadDim = headDim,
            RingSize = ringSize,
            Mask = mask,
            Balance = balance,
            Layout = layout,
            Scale = scale,
        };
}
