using System.Text;
using RingAttention.Strategies;
using static System.FormattableString;

namespace RingAttention.Benchmarks;

/// <summary>One strategy of one (shape, N) of the strategy suite: what it moves, what the model says, what was measured.</summary>
/// <param name="Shape">S, mask and heads, e.g. "S=65536 causal H=16".</param>
/// <param name="RingSize">N.</param>
/// <param name="Strategy">The strategy.</param>
/// <param name="AllToAllSize">Na for all-to-all then ring, else 0.</param>
/// <param name="ForwardMiB">MiB one rank sends in the forward (<see cref="TransferVolume"/>, bf16).</param>
/// <param name="BackwardMiB">MiB one rank sends in the backward.</param>
/// <param name="ForwardLinkMs">The forward's volume at the NVLink H200 node's bandwidth (<see cref="LinkModel.NvLink4H200"/>).</param>
/// <param name="BackwardLinkMs">The backward's volume at that bandwidth.</param>
/// <param name="ExposedMs">The model's transfer time not hidden behind compute, forward plus backward (<see cref="StrategyHeuristic.Exposed"/>).</param>
/// <param name="TotalForwardMs">All N virtual ranks on one GPU, forward, fastest iteration; null when not measured.</param>
/// <param name="TotalBackwardMs">The same, backward.</param>
/// <param name="KernelForwardMs">One rank's kernels replayed alone (the slowest rank's fastest iteration), forward; null when not replayed.</param>
/// <param name="KernelBackwardMs">The same, backward.</param>
/// <param name="Chosen">Whether the heuristic picks this strategy (NVLink).</param>
/// <param name="Replayed">Whether the suite replays this strategy's kernels (a case exists, measured or not).</param>
public sealed record StrategyRow(
    string Shape,
    int RingSize,
    ContextParallelStrategy Strategy,
    int AllToAllSize,
    double ForwardMiB,
    double BackwardMiB,
    double ForwardLinkMs,
    double BackwardLinkMs,
    double ExposedMs,
    double? TotalForwardMs,
    double? TotalBackwardMs,
    double? KernelForwardMs,
    double? KernelBackwardMs,
    bool Chosen,
    bool Replayed)
{
    /// <summary>"ring", "all-gather", "all-to-all", "a2a(4)+ring".</summary>
    public string Name => Strategy switch
    {
        ContextParallelStrategy.AllGather => "all-gather",
        ContextParallelStrategy.AllToAll => "all-to-all",
        ContextParallelStrategy.AllToAllThenRing => Invariant($"a2a({AllToAllSize})+ring"),
        _ => "ring",
    };

    /// <summary>All ranks on one GPU, forward plus backward.</summary>
    public double? TotalMs => TotalForwardMs + TotalBackwardMs;

    /// <summary>One rank's replayed kernels plus the modelled exposed transfers: the per-GPU time the model predicts.</summary>
    public double? EstimateMs => KernelForwardMs + KernelBackwardMs + ExposedMs;
}

/// <summary>The strategy section of the report and its goals (issue 16 item 4).</summary>
public static class StrategyReport
{
    /// <summary>One row per (shape, N, strategy) of <paramref name="cases"/>, from the measured <paramref name="rows"/>.</summary>
    public static IReadOnlyList<StrategyRow> Build(IReadOnlyList<ResultRow> rows, IReadOnlyList<BenchCase> cases)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(cases);
        LinkModel link = LinkModel.NvLink4H200;
        var byId = cases.ToDictionary(c => c.Id);
        var result = new List<StrategyRow>();
        foreach (BenchCase total in cases.Where(c => c.Kind == CaseKind.StrategyTotal))
        {
            RingProblem problem = total.Problem;
            StrategyChoice choice = StrategyHeuristic.Choose(problem, link);
            PassTraffic traffic = TransferVolume.Of(problem, total.Strategy, total.AllToAllSize);
            double forwardCompute = AttentionWork.ForwardFlopsPerRank(problem) / AttentionWork.H200AttentionFlopsPerSecond;
            double exposed = StrategyHeuristic.Exposed(problem, total.Strategy, total.AllToAllSize, link, forwardCompute, TransferVolume.HalfPrecisionBytes);
            var kernels = rows.Where(r => byId.TryGetValue(r.Id, out BenchCase? c) && IsKernelsOf(c, total)).ToList();
            result.Add(new StrategyRow(
                Results.Shape(total), total.RingSize, total.Strategy, total.AllToAllSize,
                traffic.ForwardBytes / (1 << 20), traffic.BackwardBytes / (1 << 20),
                link.Seconds(traffic.ForwardBytes) * 1e3, link.Seconds(traffic.BackwardBytes) * 1e3, exposed * 1e3,
                Min(rows, total.Id, Pass.Forward), Min(rows, total.Id, Pass.Backward),
                Slowest(kernels, Pass.Forward), Slowest(kernels, Pass.Backward),
                choice.Strategy == total.Strategy && choice.AllToAllSize == total.AllToAllSize,
                cases.Any(c => IsKernelsOf(c, total))));
        }

        return result;
    }

    /// <summary>
    /// Per (shape, N), "the heuristic picks the fastest measured strategy": the pick's time ≤ the fastest strategy's,
    /// once with all ranks on one GPU (transfers as device copies) and once as one rank's replayed kernels plus the
    /// modelled exposed transfers (strategies the suite does not replay left out).
    /// </summary>
    public static IReadOnlyList<GoalResult> Goals(IReadOnlyList<StrategyRow> strategies)
    {
        ArgumentNullException.ThrowIfNull(strategies);
        var goals = new List<GoalResult>();
        foreach (var group in strategies.GroupBy(s => (s.Shape, s.RingSize)))
        {
            string where = Invariant($"dual-chunk {group.Key.Shape}, N={group.Key.RingSize}");
            goals.Add(Goal(Invariant($"{where}: the heuristic picks the fastest strategy, all ranks on one GPU (fwd+bwd)"), [.. group], s => s.TotalMs));
            goals.Add(Goal(
                Invariant($"{where}: the heuristic picks the fastest strategy, one rank's kernels + modelled exposed transfers"),
                [.. group.Where(s => s.Replayed)],
                s => s.EstimateMs));
        }

        return goals;
    }

    /// <summary>The markdown section: transfer volumes, their time on an 8-GPU NVLink node, and the measurements.</summary>
    public static void Append(StringBuilder md, IReadOnlyList<StrategyRow> strategies)
    {
        ArgumentNullException.ThrowIfNull(md);
        ArgumentNullException.ThrowIfNull(strategies);
        if (strategies.Count == 0)
        {
            return;
        }

        md.AppendLine("## Strategies");
        md.AppendLine();
        md.AppendLine("Per (shape, N) and strategy: the bytes one rank sends per pass (`TransferVolume`, bf16), the time that volume takes on an 8-GPU NVLink 4 H200 node at 450 GB/s per GPU each way (`LinkModel.NvLink4H200`, an assumption), and the part the model cannot hide behind compute (`StrategyHeuristic.Exposed`, forward + backward). The replay (`one rank's kernels`) leaves every transfer out; `all ranks, one GPU` runs the N virtual ranks one after another on one GPU with device-to-device copies, so it measures N ranks' work, not one GPU's share. ✓ marks the heuristic's pick. Times are fastest iterations.");
        md.AppendLine();
        md.AppendLine("| case | N | strategy | sent fwd / bwd MiB | NVLink fwd / bwd ms | modelled exposed ms | all ranks, one GPU fwd / bwd ms | one rank's kernels fwd / bwd ms | kernels + exposed ms |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (StrategyRow s in strategies)
        {
            md.AppendLine(Invariant($"| {s.Shape} | {s.RingSize} | {s.Name}{(s.Chosen ? " ✓" : string.Empty)} | {s.ForwardMiB:0.0} / {s.BackwardMiB:0.0} | {s.ForwardLinkMs:0.000} / {s.BackwardLinkMs:0.000} | {s.ExposedMs:0.000} | {Ms(s.TotalForwardMs)} / {Ms(s.TotalBackwardMs)} | {Ms(s.KernelForwardMs)} / {Ms(s.KernelBackwardMs)} | {Ms(s.EstimateMs)} |"));
        }

        md.AppendLine();
    }

    private static GoalResult Goal(string name, IReadOnlyList<StrategyRow> group, Func<StrategyRow, double?> time)
    {
        // Every strategy of the group must be measured: a verdict over some of them would say nothing.
        StrategyRow? chosen = group.FirstOrDefault(s => s.Chosen);
        string[] missing = [.. group.Where(s => time(s) is null).Select(s => s.Name)];
        if (chosen is null || missing.Length > 0)
        {
            string why = chosen is null ? "the heuristic's pick has no measurement here" : "not measured: " + string.Join(", ", missing);
            return new GoalResult(name, null, null, "ms", AtMost: true, why);
        }

        StrategyRow fastest = group.MinBy(s => time(s))!;
        string detail = Invariant($"heuristic: {chosen.Name}; fastest: {fastest.Name}; {string.Join(", ", group.Select(s => Invariant($"{s.Name} {time(s):0.000}")))} ms");
        return new GoalResult(name, time(chosen), time(fastest), "ms", AtMost: true, detail);
    }

    private static bool IsKernelsOf(BenchCase c, BenchCase total) =>
        c.SequenceLength == total.SequenceLength && c.Mask == total.Mask && c.QueryHeads == total.QueryHeads
        && c.KeyValueHeads == total.KeyValueHeads && c.RingSize == total.RingSize && c.Balance == total.Balance
        && (total.Strategy == ContextParallelStrategy.Ring
            ? c.Kind == CaseKind.CriticalPath
            : c.Kind == CaseKind.StrategyKernels && c.Strategy == total.Strategy && c.AllToAllSize == total.AllToAllSize);

    private static double? Min(IReadOnlyList<ResultRow> rows, string id, Pass pass) =>
        rows.FirstOrDefault(r => r.Id == id && r.Pass == pass)?.MinMs;

    private static double? Slowest(List<ResultRow> kernels, Pass pass)
    {
        var measured = kernels.Where(r => r.Pass == pass && r.MinMs is not null).ToList();
        return measured.Count == 0 ? null : measured.Max(r => r.MinMs);
    }

    private static string Ms(double? value) => value is double v ? Invariant($"{v:0.000}") : "—";
}
