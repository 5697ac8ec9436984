using System.Globalization;

namespace RingAttention.Interop.Tests.Gpu;

/// <summary>
/// The check of a GPU result against a float64 reference: relative L2 error (‖actual − expected‖₂ / ‖expected‖₂) at
/// most a bound set about 3 times above what cuDNN was observed to make, so that a real defect, down to a 5% error in
/// one output, fails. Every error is printed, and the same bound is shown to reject the output with 5% added.
/// </summary>
internal static class ErrorBound
{
    /// <summary>The smallest defect the bounds must catch.</summary>
    public const double Perturbation = 0.05;

    public static void Check(string what, double[] expected, double[] actual, double bound)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = RelativeError(expected, actual);
        double perturbed = RelativeError(expected, [.. actual.Select(x => x * (1 + Perturbation))]);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: relative error {error:E3}, bound {bound:E3} ({error / bound:P0} of it); with a {Perturbation:P0} error {perturbed:E3}"));
        Assert.True(error <= bound, string.Create(CultureInfo.InvariantCulture, $"{what}: relative error {error:E3} > {bound:E3}"));
        Assert.True(perturbed > bound, string.Create(CultureInfo.InvariantCulture, $"{what}: a {Perturbation:P0} error ({perturbed:E3}) would pass the bound {bound:E3}"));
    }

    /// <summary>Relative L2 error in float64; NaN or infinity anywhere in <paramref name="actual"/> gives infinity.</summary>
    private static double RelativeError(double[] expected, double[] actual)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!double.IsFinite(actual[i]) && actual[i] != expected[i])
            {
                return double.PositiveInfinity;
            }

            double d = double.IsFinite(expected[i]) ? actual[i] - expected[i] : 0;
            difference += d * d;
            norm += double.IsFinite(expected[i]) ? expected[i] * expected[i] : 0;
        }

        return Math.Sqrt(difference / Math.Max(norm, double.Epsilon));
    }
}
