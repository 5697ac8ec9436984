using System.Globalization;

namespace RingAttention;

/// <summary>How far a result is from a float64 reference, as one number: the measure every check in the project uses.</summary>
public static class ErrorMeasure
{
    /// <summary>
    /// ‖actual − reference‖₂ / ‖reference‖₂, accumulated in float64. When the reference is all zeros the ratio is
    /// undefined and the absolute norm ‖actual‖₂ is returned instead (zero when both are zero). A NaN anywhere in
    /// <paramref name="actual"/> gives NaN.
    /// </summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> reference)
    {
        if (actual.Length != reference.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The result has {actual.Length} elements but the reference has {reference.Length}."),
                nameof(actual));
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
