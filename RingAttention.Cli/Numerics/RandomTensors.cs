namespace RingAttention.Cli.Numerics;

/// <summary>Random test tensors.</summary>
internal static class RandomTensors
{
    /// <summary>
    /// <paramref name="count"/> standard normal samples (Box-Muller). Normal rather than uniform inputs give Q·K/sqrt(D)
    /// unit variance, so softmax rows are neither flat nor one-hot: the regime real attention runs in.
    /// </summary>
    public static float[] Normal(Random random, long count)
    {
        ArgumentNullException.ThrowIfNull(random);
        var values = new float[count];
        for (long i = 0; i < count; i += 2)
        {
            double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
            double angle = 2.0 * Math.PI * random.NextDouble();
            values[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < count)
            {
                values[i + 1] = (float)(radius * Math.Sin(angle));
            }
        }

        return values;
    }
}
