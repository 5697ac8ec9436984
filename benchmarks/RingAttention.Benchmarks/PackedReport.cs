using static System.FormattableString;

namespace RingAttention.Benchmarks;

/// <summary>The goal of issue 17 from the packed suite's rows.</summary>
public static class PackedReport
{
    /// <summary>The slowest rank's replayed time may be at most this many times the one-GPU time divided by N.</summary>
    public const double Factor = 1.15;

    /// <summary>
    /// Per pass: the slowest rank's replayed time (BenchmarkDotNet mean) ≤ <see cref="Factor"/> × the one-GPU time of
    /// the whole batch (its mean) / N. "not measured" where a row is missing or failed.
    /// </summary>
    public static IReadOnlyList<GoalResult> Goals(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var goals = new List<GoalResult>();
        foreach (Pass pass in new[] { Pass.Forward, Pass.Backward })
        {
            ResultRow? baseline = rows.FirstOrDefault(r => r.Kind == CaseKind.Baseline && r.Pass == pass && r.MeanMs is not null);
            ResultRow[] ranks = [.. rows.Where(r => r.Kind == CaseKind.CriticalPath && r.Pass == pass)];
            ResultRow? slowest = ranks.Where(r => r.MeanMs is not null).MaxBy(r => r.MeanMs);
            int n = ranks.Length > 0 ? ranks[0].RingSize : PackedCatalog.RingSize;
            bool complete = baseline is not null && slowest is not null && ranks.All(r => r.MeanMs is not null) && ranks.Length == n;
            double? limit = complete ? Factor * baseline!.MeanMs!.Value / n : null;
            string detail = complete
                ? Invariant($"slowest rank {slowest!.Rank}: {slowest.MeanMs:0.000} ms (ranks {string.Join(", ", ranks.Select(r => Invariant($"{r.MeanMs:0.000}")))}); one GPU, a call per document: {baseline!.MeanMs:0.000} ms / {n} = {baseline.MeanMs / n:0.000} ms; efficiency {baseline.MeanMs / (n * slowest.MeanMs):0.000}")
                : Invariant($"not measured: {(baseline is null ? "no baseline" : "ranks missing or failed")} ({ranks.Count(r => r.MeanMs is not null)} of {n} ranks)");
            string lengths = rows.Count > 0 ? Invariant($"{rows[0].SequenceLength} tokens") : "the packed batch";
            goals.Add(new GoalResult(
                Invariant($"THD {lengths}, N={n}, {Results.PassName(pass)}: slowest rank ≤ {Factor:0.00} × one GPU / N"),
                complete ? slowest!.MeanMs : null, limit, "ms", AtMost: true, detail));
        }

        return goals;
    }
}
