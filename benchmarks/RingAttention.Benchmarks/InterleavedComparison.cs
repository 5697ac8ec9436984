using System.Diagnostics;
using System.Globalization;

namespace RingAttention.Benchmarks;

/// <summary>The ring at N = 1 against the baseline, timed in alternation on one shape.</summary>
/// <param name="RingId">The ring case's id (ring-N1-…).</param>
/// <param name="Pass">Forward or backward.</param>
/// <param name="Pairs">How many (baseline, ring) pairs were timed.</param>
/// <param name="BaselineMedianMs">Median baseline time.</param>
/// <param name="RingMedianMs">Median ring time.</param>
public sealed record InterleavedRatio(string RingId, Pass Pass, int Pairs, double BaselineMedianMs, double RingMedianMs)
{
    /// <summary>The ring's TFLOP/s over the baseline's: baseline time over ring time.</summary>
    public double Ratio => BaselineMedianMs / RingMedianMs;
}

/// <summary>
/// BenchmarkDotNet runs the baseline and the ring at N = 1 one after the other, each for a few seconds; a GPU's clock can
/// drift between two such runs by more than the 3% the N = 1 goal allows. This times the two in alternation instead
/// (baseline, ring, ring, baseline, ...), each call followed by a stream synchronize like the benchmarks, and compares
/// the medians, so drift falls on both alike.
/// </summary>
internal static class InterleavedComparison
{
    public static IReadOnlyList<InterleavedRatio> Measure(CaseCatalog.Size size, int pairs)
    {
        var ratios = new List<InterleavedRatio>();
        foreach (CaseCatalog.Shape s in CaseCatalog.SingleGpuShapes(size))
        {
            var baseCase = new BenchCase(CaseKind.Baseline, s.SequenceLength, s.Mask, s.QueryHeads, s.KeyValueHeads);
            var ringCase = baseCase with { Kind = CaseKind.Ring };
            using IAttentionRunner baseline = AttentionRunners.Create(baseCase);
            using IAttentionRunner ring = AttentionRunners.Create(ringCase);
            foreach (Pass pass in new[] { Pass.Forward, Pass.Backward })
            {
                var baseTimes = new double[pairs];
                var ringTimes = new double[pairs];
                Time(baseline, pass);
                Time(ring, pass);
                for (int i = 0; i < pairs; i++)
                {
                    // Alternate which goes first, so that neither always follows the other.
                    if ((i & 1) == 0)
                    {
                        baseTimes[i] = Time(baseline, pass);
                        ringTimes[i] = Time(ring, pass);
                    }
                    else
                    {
                        ringTimes[i] = Time(ring, pass);
                        baseTimes[i] = Time(baseline, pass);
                    }
                }

                var result = new InterleavedRatio(ringCase.Id, pass, pairs, Median(baseTimes), Median(ringTimes));
                ratios.Add(result);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"interleaved {result.RingId} {Results.PassName(pass)}: baseline {result.BaselineMedianMs:0.000} ms, ring {result.RingMedianMs:0.000} ms (medians of {pairs}), ratio {result.Ratio:0.000}"));
            }
        }

        return ratios;
    }

    private static double Time(IAttentionRunner runner, Pass pass)
    {
        long start = Stopwatch.GetTimestamp();
        if (pass == Pass.Forward)
        {
            runner.Forward();
        }
        else
        {
            runner.Backward();
        }

        runner.Synchronize();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        int mid = sorted.Length / 2;
        return (sorted.Length & 1) == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
