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
