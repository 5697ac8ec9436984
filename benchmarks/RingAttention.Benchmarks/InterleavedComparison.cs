using System.Diagnostics;
using System.Globalization;

namespace RingAttention.Benchmarks;

/// <summary>A candidate (the ring at N = 1, or a ring's slowest rank replayed alone) and the baseline, timed in alternation.</summary>
/// <param name="Baseline">The single-call cuDNN case of the same shape.</param>
/// <param name="Candidate">The ring case: ring-N1-…, or the critical-path rank whose fastest run was the slowest.</param>
/// <param name="Pass">Forward or backward.</param>
/// <param name="BaselineMs">The baseline's runs.</param>
/// <param name="CandidateMs">The candidate's runs.</param>
public sealed record InterleavedTiming(BenchCase Baseline, BenchCase Candidate, Pass Pass, TimingSeries BaselineMs, TimingSeries CandidateMs)
{
    /// <summary>"ring min 1.000 ms, sd 0.4% vs baseline min 0.990 ms, sd 0.3% (10 alternated rounds)".</summary>
    public string Noise => string.Create(CultureInfo.InvariantCulture,
        $"{(Candidate.Kind == CaseKind.Ring ? "ring" : "slowest rank")} {CandidateMs}; baseline {BaselineMs} ({BaselineMs.Ms.Count} alternated rounds)");
}

/// <summary>
/// BenchmarkDotNet runs each case on its own for a few seconds; a GPU's clock can drift between two such runs by more
/// than the margins the goals allow (3% at N = 1). This times each goal's candidate and its baseline in alternation
/// in one process (baseline, candidate, ..., the order rotating every round so none always follows another), each
/// call followed by a stream synchronize as in the benchmarks, so drift falls on all alike. For a critical path every
/// rank that may be the slowest is in the rotation and the slowest (by its fastest run) is the candidate.
/// </summary>
internal static class InterleavedComparison
{
    public static IReadOnlyList<InterleavedTiming> Measure(CaseCatalog.Size size, int rounds)
    {
        var timings = new List<InterleavedTiming>();
        foreach (CaseCatalog.Shape s in CaseCatalog.SingleGpuShapes(size))
        {
            var baseCase = new BenchCase(CaseKind.Baseline, s.SequenceLength, s.Mask, s.QueryHeads, s.KeyValueHeads);
            timings.AddRange(Compare(baseCase, [baseCase with { Kind = CaseKind.Ring }], rounds));
        }

        foreach (CaseCatalog.RingShape r in CaseCatalog.RingShapes(size).Where(Results.HasCriticalPathGoal))
        {
            var baseCase = new BenchCase(CaseKind.Baseline, r.Shape.SequenceLength, r.Shape.Mask, r.Shape.QueryHeads, r.Shape.KeyValueHeads);
            foreach (int n in r.RingSizes)
            {
                var any = new BenchCase(CaseKind.CriticalPath, r.Shape.SequenceLength, r.Shape.Mask, r.Shape.QueryHeads, r.Shape.KeyValueHeads, n, r.Balance);
                timings.AddRange(Compare(baseCase, [.. CudaRankReplay.SlowestRankCandidates(any.Problem).Select(rank => any with { Rank = rank })], rounds));
            }
        }

        return timings;
    }

    /// <summary>The baseline against the slowest of <paramref name="candidates"/>, per pass.</summary>
    private static List<InterleavedTiming> Compare(BenchCase baseCase, IReadOnlyList<BenchCase> candidates, int rounds)
    {
        BenchCase[] cases = [baseCase, .. candidates];
        var runners = new List<IAttentionRunner>();
        try
        {
            runners.AddRange(cases.Select(AttentionRunners.Create));
            var timings = new List<InterleavedTiming>();
            foreach (Pass pass in new[] { Pass.Forward, Pass.Backward })
            {
                TimingSeries[] series = Alternate(runners, pass, rounds);
                int slowest = Enumerable.Range(1, candidates.Count).MaxBy(i => series[i].MinMs);
                var timing = new InterleavedTiming(baseCase, cases[slowest], pass, series[0], series[slowest]);
                timings.Add(timing);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"interleaved {timing.Candidate.Id} {Results.PassName(pass)}: {timing.Noise}"));
            }

            return timings;
        }
        finally
        {
            foreach (IAttentionRunner runner in runners)
            {
                runner.Dispose();
            }
        }
    }

    /// <summary>One warm-up call each, then <paramref name="rounds"/> rounds of one call each, the first of a round rotating.</summary>
    private static TimingSeries[] Alternate(List<IAttentionRunner> runners, Pass pass, int rounds)
    {
        var times = new double[runners.Count][];
        for (int i = 0; i < runners.Count; i++)
        {
            times[i] = new double[rounds];
            Time(runners[i], pass);
        }

        for (int round = 0; round < rounds; round++)
        {
            for (int k = 0; k < runners.Count; k++)
            {
                int i = (round + k) % runners.Count;
                times[i][round] = Time(runners[i], pass);
            }
        }

        return [.. times.Select(t => new TimingSeries(t))];
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
}
