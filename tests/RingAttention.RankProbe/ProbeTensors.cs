namespace RingAttention.RankProbe;

/// <summary>Inputs and the error measure of the probe (no test framework here).</summary>
internal static class ProbeTensors
{
    /// <summary><paramref name="count"/> values uniform in [-1, 1).</summary>
    public static float[] Uniform(Random random, long count)
    {
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            values[i] = (random.NextSingle() * 2) - 1;
        }

        return values;
    }

    /// <summary>‖actual − reference‖₂ / ‖reference‖₂; infinite when any element is NaN (never written, or computed).</summary>
    public static double RelativeError(float[] actual, double[] reference) =>
        actual.Any(float.IsNaN) ? double.PositiveInfinity : ErrorMeasure.RelativeError(actual, reference);
}
