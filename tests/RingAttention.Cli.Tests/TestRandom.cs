namespace RingAttention.Cli.Tests;

/// <summary>Fresh random inputs for every test run; the seed goes into failure messages so a failure can be replayed.</summary>
internal static class TestRandom
{
    public static Random Create(out int seed)
    {
        seed = Random.Shared.Next();
        return new Random(seed);
    }

    public static float[] Normal(Random random, long count)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            // Sum of uniforms: close enough to normal for attention inputs, and independent of the code under test.
            values[i] = (float)(random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 2f;
        }

        return values;
    }
}
