using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using static System.FormattableString;

namespace RingAttention.Benchmarks;

/// <summary>One measured (case, pass) with every derived column.</summary>
/// <param name="Id">The case id.</param>
/// <param name="Kind">What was measured.</param>
/// <param name="Pass">Forward or backward.</param>
/// <param name="SequenceLength">S.</param>
/// <param name="Mask">"causal" or "none".</param>
/// <param name="QueryHeads">Hq.</param>
/// <param name="KeyValueHeads">Hkv.</param>
/// <param name="HeadDim">D.</param>
/// <param name="RingSize">N.</param>
/// <param name="Rank">The replayed rank (critical path), else null.</param>
/// <param name="Balance">Load balancing.</param>
/// <param name="Iterations">Measured iterations.</param>
/// <param name="MeanMs">Mean time of one operation, ms (null when the case failed).</param>
/// <param name="StdDevMs">Standard deviation, ms.</param>
/// <param name="MinMs">Fastest iteration, ms.</param>
/// <param name="Tflops">TFLOP/s: full-problem FLOPs / time; per GPU (FLOPs / N) for the critical path.</param>
/// <param name="RatioToBaseline">TFLOP/s divided by the baseline's (same S, mask, heads, D, pass).</param>
/// <param name="ParallelEfficiency">T1 / (N · TN), T1 the baseline time, TN the per-GPU time (ring N = 1 and critical path).</param>
/// <param name="DeviceMemoryBytes">Device memory per rank (ring buffers and cuDNN workspace; the baseline's workspace).</param>
/// <param name="AllocatedBytesPerOperation">Managed bytes allocated per operation, process-wide (MemoryDiagnoser).</param>
/// <param name="ThreadAllocatedBytes">Managed bytes the calling thread allocated in the last (post-warm-up) operation.</param>
/// <param name="Failed">True when BenchmarkDotNet reported no result.</param>
public sealed record ResultRow(
    string Id,
    CaseKind Kind,
    Pass Pass,
    int SequenceLength,
    string Mask,
    int QueryHeads,
    int KeyValueHeads,
    int HeadDim,
    int RingSize,
    int? Rank,
    string Balance,
    int Iterations,
    double? MeanMs,
    double? StdDevMs,
    double? MinMs,
    double? Tflops,
    double? RatioToBaseline,
    double? ParallelEfficiency,
    long? DeviceMemoryBytes,
    long? AllocatedBytesPerOperation,
    long? ThreadAllocatedBytes,
    bool Failed)
{
    /// <summary>Device memory per rank in MiB.</summary>
    public double? DeviceMemoryMiB => DeviceMemoryBytes / (1024.0 * 1024.0);
}

/// <summary>A goal of issue 6 and whether the numbers meet it.</summary>
/// <param name="Name">What is required.</param>
/// <param name="Measured">The measured quantity (ms or ratio), null when not measured.</param>
/// <param name="Limit">The bound it is compared with.</param>
/// <param name="Unit">"ms" or "x".</param>
/// <param name="AtMost">True for "measured ≤ limit", false for "measured ≥ limit".</param>
/// <param name="Detail">How the numbers were obtained.</param>
public sealed record GoalResult(string Name, double? Measured, double? Limit, string Unit, bool AtMost, string Detail)
{
    /// <summary>The run-to-run noise of the timings behind the verdict (empty where none were taken).</summary>
    public string Noise { get; init; } = string.Empty;

    /// <summary>True, false, or null when a number is missing.</summary>
    public bool? Met => Measured is double m && Limit is double l ? (AtMost ? m <= l : m >= l) : null;

    /// <summary>"met", "not met" or "not measured".</summary>
    public string Verdict => Met switch { true => "met", false => "not met", null => "not measured" };
}

/// <summary>Turns BenchmarkDotNet's summary into rows, and rows into goals.</summary>
public static class Results
{
    /// <summary>The rows of every case and pass in <paramref name="summary"/>, in case order.</summary>
    public static IReadOnlyList<ResultRow> FromSummary(Summary summary, IReadOnlyList<BenchCase> order)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(order);
        var raw = new List<(BenchCase Case, Pass Pass, double? Mean, double? StdDev, double? Min, int N, long? Allocated)>();
        foreach (BenchmarkCase benchmarkCase in summary.BenchmarksCases)
        {
            if (benchmarkCase.Parameters["Case"] is not BenchCase c)
            {
                continue;
            }

            Pass pass = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(AttentionBenchmarks.Backward) ? Pass.Backward : Pass.Forward;
            BenchmarkReport? report = summary[benchmarkCase];
            var stats = report?.ResultStatistics;
            long? allocated = report is { Success: true } ? report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) : null;
            raw.Add((c, pass, stats?.Mean / 1e6, stats?.StandardDeviation / 1e6, stats?.Min / 1e6, stats?.N ?? 0, allocated));
        }

        var baseline = raw.Where(r => r.Case.Kind == CaseKind.Baseline && r.Mean is not null)
            .GroupBy(r => (r.Case.ShapeKey, r.Pass))
            .ToDictionary(g => g.Key, g => g.First().Mean!.Value);
        var rank = order.Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i);

        return [.. raw
            .OrderBy(r => rank.TryGetValue(r.Case.Id, out int i) ? i : int.MaxValue)
            .ThenBy(r => r.Pass)
            .Select(r =>
            {
                BenchCase c = r.Case;
                int perGpu = c.Kind is CaseKind.CriticalPath or CaseKind.StrategyKernels ? c.RingSize : 1;
                double? tflops = r.Mean is double ms ? c.Flops(r.Pass) / perGpu / (ms * 1e-3) / 1e12 : null;
                double? t1 = baseline.TryGetValue((c.ShapeKey, r.Pass), out double b) ? b : null;
                double? ratio = tflops is double t && t1 is double bt ? t / (c.Flops(r.Pass) / (bt * 1e-3) / 1e12) : null;
                double? efficiency = c.Kind is CaseKind.CriticalPath or CaseKind.Ring && t1 is double b1 && r.Mean is double tn
                    ? b1 / (c.RingSize * tn)
                    : null;
                long? memory = AttentionRunners.MemoryBytes.TryGetValue(c.Id, out long bytes) ? bytes : null;
                return new ResultRow(
                    c.Id, c.Kind, r.Pass, c.SequenceLength, c.Mask == AttentionMask.Causal ? "causal" : "none", c.QueryHeads, c.KeyValueHeads,
                    c.HeadDim, c.Kind == CaseKind.Baseline ? 1 : c.RingSize, c.HasReplayedRank ? c.Rank : null,
                    c.Kind == CaseKind.Baseline ? "-" : c.Balance.ToString(), r.N, r.Mean, r.StdDev, r.Min, tflops, ratio, efficiency,
                    memory, r.Allocated, AttentionRunners.ThreadAllocatedBytes.TryGetValue((c.Id, r.Pass), out long own) ? own : null, r.Mean is null);
            })];
    }

    /// <summary>The critical path of (shape, N, pass): the slowest replayed rank, or null when none was measured.</summary>
    public static (double Ms, int Rank)? CriticalPath(IReadOnlyList<ResultRow> rows, int sequenceLength, string mask, int qHeads, int kvHeads, int ringSize, Pass pass)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ResultRow? slowest = rows
            .Where(r => r.Kind == CaseKind.CriticalPath && r.Pass == pass && r.RingSize == ringSize && r.SequenceLength == sequenceLength
                && r.Mask == mask && r.QueryHeads == qHeads && r.KeyValueHeads == kvHeads && r.MeanMs is not null)
            .MaxBy(r => r.MeanMs);
        return slowest is null ? null : (slowest.MeanMs!.Value, slowest.Rank ?? 0);
    }

    /// <summary>Whether a ring shape has critical-path goals: dual-chunk causal ones do.</summary>
    public static bool HasCriticalPathGoal(CaseCatalog.RingShape shape) =>
        shape.Balance == LoadBalancing.DualChunk && shape.Shape.Mask == AttentionMask.Causal;

    /// <summary>
    /// The goals of issue 6, each decided from <paramref name="interleaved"/>: candidate and baseline timed in
    /// alternation in one process, fastest run against fastest run (see <see cref="TimingSeries"/>), their noise shown
    /// beside the verdict. Ring N = 1 within 3% of the baseline's TFLOP/s for every shape of <paramref name="singleShapes"/>;
    /// for every dual-chunk causal shape of <paramref name="ringShapes"/> and each of its N, the slowest rank's critical
    /// path ≤ 1.00 × T1/N forward and ≤ 1.05 × T1/N backward. A goal without its alternated timing is "not measured";
    /// BenchmarkDotNet's separate runs (<paramref name="rows"/>) are shown beside it for reference, never decide it.
    /// </summary>
    public static IReadOnlyList<GoalResult> Goals(
        IReadOnlyList<ResultRow> rows,
        IEnumerable<CaseCatalog.Shape> singleShapes,
        IEnumerable<CaseCatalog.RingShape> ringShapes,
        IReadOnlyList<CriticalPathBreakdown>? breakdowns = null,
        IReadOnlyList<InterleavedTiming>? interleaved = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(singleShapes);
        ArgumentNullException.ThrowIfNull(ringShapes);
        interleaved ??= [];
        var goals = new List<GoalResult>();
        foreach (CaseCatalog.Shape shape in singleShapes)
        {
            var ringCase = new BenchCase(CaseKind.Ring, shape.SequenceLength, shape.Mask, shape.QueryHeads, shape.KeyValueHeads);
            foreach (Pass pass in new[] { Pass.Forward, Pass.Backward })
            {
                ResultRow? row = rows.FirstOrDefault(r => r.Id == ringCase.Id && r.Pass == pass);
                string separate = row is { RatioToBaseline: double q } ? Invariant($"; separate BenchmarkDotNet runs, means: {q:0.000}") : string.Empty;
                InterleavedTiming? t = interleaved.FirstOrDefault(i => i.Candidate == ringCase && i.Pass == pass);
                goals.Add(new GoalResult(
                    Invariant($"ring N=1 ≥ 97% of baseline TFLOP/s, {Shape(ringCase)}, {PassName(pass)}"),
                    t is null ? null : t.BaselineMs.MinMs / t.CandidateMs.MinMs, 0.97, "x", AtMost: false,
                    (t is null ? "not timed in alternation" : Invariant($"baseline min / ring min, timed in alternation")) + separate)
                {
                    Noise = t?.Noise ?? string.Empty,
                });
            }
        }

        foreach (CaseCatalog.RingShape shape in ringShapes.Where(HasCriticalPathGoal))
        {
            (int s, int hq, int hkv) = (shape.Shape.SequenceLength, shape.Shape.QueryHeads, shape.Shape.KeyValueHeads);
            foreach (int n in shape.RingSizes.OrderDescending())
            {
                foreach (Pass pass in new[] { Pass.Forward, Pass.Backward })
                {
                    double factor = pass == Pass.Forward ? 1.00 : 1.05;
                    InterleavedTiming? t = interleaved.FirstOrDefault(i => i.Pass == pass && i.Candidate.Kind == CaseKind.CriticalPath
                        && i.Candidate.RingSize == n && i.Candidate.SequenceLength == s && i.Candidate.Mask == shape.Shape.Mask
                        && i.Candidate.QueryHeads == hq && i.Candidate.KeyValueHeads == hkv && i.Candidate.Balance == shape.Balance);
                    double? limit = t?.BaselineMs.MinMs * factor / n;
                    string detail = "not timed in alternation";
                    if (t is not null && limit is double bound)
                    {
                        double t1 = t.BaselineMs.MinMs;
                        detail = Invariant($"slowest rank {t.Candidate.Rank}: min {t.CandidateMs.MinMs:0.000} ms; T1/N = min {t1:0.000}/{n} = {t1 / n:0.000} ms; efficiency {t1 / (n * t.CandidateMs.MinMs):0.000}");
                        if (breakdowns?.FirstOrDefault(b => b.Case == t.Candidate.Id && b.Pass == pass) is { } trace)
                        {
                            detail += Explain(trace, bound);
                        }
                    }

                    string heads = hq == hkv ? Invariant($"H={hq}") : Invariant($"H={hq}/{hkv}");
                    goals.Add(new GoalResult(
                        Invariant($"dual-chunk causal S={s} {heads} D=128, N={n}, {PassName(pass)}: critical path ≤ {factor:0.00} × T1/N"),
                        t?.CandidateMs.MinMs, limit, "ms", AtMost: true, detail)
                    {
                        Noise = t?.Noise ?? string.Empty,
                    });
                }
            }
        }

        return goals;
    }

    /// <summary>What the rank's replay trace says about the bound: whether its kernels alone already exceed it, and what the ring adds.</summary>
    private static string Explain(CriticalPathBreakdown trace, double bound)
    {
        string kernels = trace.KernelMs > bound
            ? Invariant($"its attention kernels alone take {trace.KernelMs:0.000} ms, {trace.KernelMs - bound:0.000} ms over the bound")
            : Invariant($"its attention kernels take {trace.KernelMs:0.000} ms, {bound - trace.KernelMs:0.000} ms under the bound");
        return Invariant($". Trace of one replayed call (wall {trace.WallMs:0.000} ms): {kernels}; merges add {trace.ExposedAccumulateMs:0.000} ms where no kernel runs; gaps {trace.OtherMs:0.000} ms");
    }

    internal static string Shape(BenchCase c) =>
        Invariant($"S={c.SequenceLength} {(c.Mask == AttentionMask.Causal ? "causal" : "none")} H={(c.QueryHeads == c.KeyValueHeads ? c.QueryHeads.ToString(CultureInfo.InvariantCulture) : Invariant($"{c.QueryHeads}/{c.KeyValueHeads}"))}");

    internal static string PassName(Pass pass) => pass == Pass.Forward ? "fwd" : "bwd";
}
