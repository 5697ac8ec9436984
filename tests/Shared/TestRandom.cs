namespace RingAttention.Testing;

/// <summary>
/// Fresh random inputs for every test run (linked into each test project as source). Tests put the seed into their
/// failure messages, so a failure can be replayed with the same inputs.
/// </summary>
internal static class SharedRandom
{
    /// <summary>A new seed per call.</summary>
    public static int FreshSeed() => Random.Shared.Next();

    /// <summary>Values drawn uniformly from [-scale, scale).</summary>
    public static float[] Uniform(Random random, long count, float scale = 1f)
    {
        var data = new float[count];
        for (long i = 0; i < count; i++)
        {
            data[i] = scale * ((2f * random.NextSingle()) - 1f);
        }

        return data;
    }
}

/// <summary>The comparison every numeric test makes (linked into each test project as source).</summary>
internal static class SharedChecks
{
    /// <summary>
    /// The library's relative error of <paramref name="actual"/> against a float64 reference, after failing on any NaN:
    /// an element nobody wrote (outputs are poisoned with NaN first) or a NaN the code computed.
    /// </summary>
    public static double RelativeErrorWithoutNaN(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, string what)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            Xunit.Assert.False(float.IsNaN(actual[i]), $"{what}: NaN at element {i} (an element never written, or a NaN computed)");
        }

        return ErrorMeasure.RelativeError(actual, expected);
    }
}
