using RingAttention.Testing;

namespace RingAttention.Cuda.Tests;

/// <summary>Random inputs and the error measure every comparison uses.</summary>
internal static class TestTensors
{
    /// <summary>A new seed per call, so every run draws new inputs; tests print it on failure.</summary>
    public static int FreshSeed() => SharedRandom.FreshSeed();

    public static float[] Uniform(Random random, long count, float scale = 1f) => SharedRandom.Uniform(random, count, scale);

    /// <summary>
    /// Random Q, K, V and dO of <paramref name="problem"/>'s full sequences, drawn in that order and rounded to
    /// <paramref name="type"/>: the values the GPU sees, so that references computed from them see the same.
    /// </summary>
    public static (float[] Query, float[] Key, float[] Value, float[] OutputGradient) RoundedInputs(RingProblem problem, DeviceElementType type, Random random)
    {
        float[] query = Rounded(random, problem.GlobalQueryShape.ElementCount, type);
        float[] key = Rounded(random, problem.GlobalKeyValueShape.ElementCount, type);
        float[] value = Rounded(random, problem.GlobalKeyValueShape.ElementCount, type);
        float[] outputGradient = Rounded(random, problem.GlobalQueryShape.ElementCount, type);
        return (query, key, value, outputGradient);
    }

    private static float[] Rounded(Random random, long count, DeviceElementType type) => HostPrecision.Round(Uniform(random, count), type);

    /// <summary>‖actual − expected‖₂ / ‖expected‖₂ in float64; fails on any NaN (an unwritten, poisoned element).</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, string what) =>
        SharedChecks.RelativeErrorWithoutNaN(actual, expected, what);

    public static RingProblem Problem(
        int ringSize,
        AttentionMask mask,
        LoadBalancing balance,
        int batch = 1,
        int sequence = 256,
        int queryHeads = 4,
        int keyValueHeads = 4,
        int headDim = 64,
        TensorLayout layout = TensorLayout.Bshd) => new()
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
        };
}
