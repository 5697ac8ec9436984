using System.Globalization;

namespace RingAttention.Benchmarks;

/// <summary>
/// The times of one runner measured in alternation with others, and the statistics the goals use. A goal compares
/// min with min: the fastest of several runs is the one least disturbed by everything else on the machine (clock
/// changes, launches of other work, the host thread descheduled), so it is the steadiest estimate of what the code
/// itself costs; the spread of the runs is reported beside each verdict as the noise.
/// </summary>
/// <param name="Ms">Each run's wall time in milliseconds, in the order taken.</param>
public sealed record TimingSeries(IReadOnlyList<double> Ms)
{
    /// <summary>The fastest run.</summary>
    public double MinMs => Ms.Min();

    /// <summary>The median run.</summary>
    public double MedianMs
    {
        get
        {
            double[] sorted = [.. Ms.Order()];
            int mid = sorted.Length / 2;
            return (sorted.Length & 1) == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    /// <summary>Sample standard deviation over the mean: the run-to-run noise (0 for one run).</summary>
    public double RelativeStdDev
    {
        get
        {
            if (Ms.Count < 2)
            {
                return 0;
            }

            double mean = Ms.Average();
            double variance = Ms.Sum(x => (x - mean) * (x - mean)) / (Ms.Count - 1);
            return Math.Sqrt(variance) / mean;
        }
    }

    /// <summary>"min 1.234 ms, sd 0.5%".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"min {MinMs:0.000} ms, sd {RelativeStdDev:0.0%}");
}
