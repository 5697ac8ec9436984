namespace RingAttention.Cli.Numerics;

/// <summary>How far a float32 result is from a float64 reference, as one number.</summary>
internal static class RelativeError
{
    /// <summary>
    /// ||actual - reference||_2 / ||reference||_2, accumulated in float64. When the reference is all zeros the
    /// ratio is undefined and the absolute norm ||actual||_2 is returned instead (zero when both are zero).
    /// </summary>
    public static double Compute(ReadOnlySpan<float> actual, ReadOnlySpan<double> reference)
    {
        if (actual.Length != reference.Length)
        {
            throw new ArgumentException($"The result has {actual.Length} elements but the reference has {reference.Length}.", nameof(actual));
        }

        double difference = 0;
        double norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = actual[i] - reference[i];
            difference += d * d;
            norm += reference[i] * reference[i];
        }

        return norm == 0 ? Math.Sqrt(difference) : Math.Sqrt(difference / norm);
    }
}
