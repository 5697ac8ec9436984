using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using static System.FormattableString;

namespace RingAttention.Benchmarks;

/// <summary>One rank's line of <c>RingAttention.RankProbe time</c>: a strategy timed across processes, one GPU each.</summary>
/// <param name="Rank">The rank.</param>
/// <param name="RingSize">N, the processes of the job.</param>
/// <param name="Strategy">The strategy.</param>
/// <param name="AllToAllSize">Na (all-to-all then ring), else 0.</param>
/// <param name="SequenceLength">S.</param>
/// <param name="QueryHeads">Hq.</param>
/// <param name="KeyValueHeads">Hkv.</param>
/// <param name="HeadDim">D.</param>
/// <param name="ForwardMs">The rank's fastest forward, transfers included.</param>
/// <param name="BackwardMs">The rank's fastest backward.</param>
public sealed record ProbeTime(
    int Rank, int RingSize, ContextParallelStrategy Strategy, int AllToAllSize, int SequenceLength, int QueryHeads, int KeyValueHeads, int HeadDim,
    double ForwardMs, double BackwardMs);

/// <summary>
/// The multi-GPU mode of the strategy benchmark (issue 16 item 4): each strategy run across N processes, one GPU
/// each, by <c>scripts/gpu-multi-bench.sh</c> through <c>RingAttention.RankProbe time</c>; read back from its TIME lines.
/// A strategy's time is its slowest rank's forward plus its slowest rank's backward (the job waits for the slowest);
/// the goal: the heuristic (<see cref="ContextParallelStrategies.Choose"/>, NVLink) picks the fastest.
/// </summary>
public static partial class MultiGpuTimes
{
    /// <summary>Every TIME line of <paramref name="lines"/> (other lines are skipped).</summary>
    public static IReadOnlyList<ProbeTime> Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var times = new List<ProbeTime>();
        foreach (string line in lines)
        {
            Match m = TimeLine().Match(line);
            if (!m.Success)
            {
                continue;
            }

            times.Add(new ProbeTime(
                Int(m, "rank"), Int(m, "n"), Enum.Parse<ContextParallelStrategy>(m.Groups["strategy"].Value), m.Groups["na"].Success ? Int(m, "na") : 0,
                Int(m, "s"), Int(m, "hq"), Int(m, "hkv"), Int(m, "d"), Double(m, "fwd"), Double(m, "bwd")));
        }

        return times;
    }

    /// <summary>Per (shape, N): the heuristic's pick against the fastest strategy, forward plus backward of the slowest ranks.</summary>
    public static IReadOnlyList<GoalResult> Goals(IReadOnlyList<ProbeTime> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        var goals = new List<GoalResult>();
        foreach (var shape in times.GroupBy(t => (t.SequenceLength, t.QueryHeads, t.KeyValueHeads, t.HeadDim, t.RingSize)))
        {
            var strategies = shape.GroupBy(t => (t.Strategy, t.AllToAllSize))
                .Select(g => (g.Key.Strategy, g.Key.AllToAllSize, Ms: g.Max(t => t.ForwardMs) + g.Max(t => t.BackwardMs), Ranks: g.Count()))
                .OrderBy(s => s.Ms)
                .ToList();
            RingProblem problem = Problem(shape.First());
            StrategyRecommendation pick = ContextParallelStrategies.Choose(problem, LinkKind.NvLink);
            string where = Invariant($"S={shape.Key.SequenceLength} causal dual-chunk H={Heads(shape.Key.QueryHeads, shape.Key.KeyValueHeads)} D={shape.Key.HeadDim}, N={shape.Key.RingSize} GPUs");
            string name = where + ": the heuristic picks the fastest strategy, one process per GPU (fwd+bwd of the slowest ranks)";
            var chosen = strategies.FirstOrDefault(s => s.Strategy == pick.Strategy && s.AllToAllSize == pick.AllToAllSize);
            string[] incomplete = [.. strategies.Where(s => s.Ranks != shape.Key.RingSize).Select(s => Name(s.Strategy, s.AllToAllSize))];
            string all = string.Join(", ", strategies.Select(s => Invariant($"{Name(s.Strategy, s.AllToAllSize)} {s.Ms:0.000}")));
            if (chosen.Ranks == 0 || incomplete.Length > 0)
            {
                string why = chosen.Ranks == 0 ? Invariant($"the heuristic's pick, {Name(pick.Strategy, pick.AllToAllSize)}, was not timed") : "ranks missing for " + string.Join(", ", incomplete);
                goals.Add(new GoalResult(name, null, null, "ms", AtMost: true, why + "; timed: " + all));
                continue;
            }

            var fastest = strategies[0];
            goals.Add(new GoalResult(
                name, chosen.Ms, fastest.Ms, "ms", AtMost: true,
                Invariant($"heuristic: {Name(pick.Strategy, pick.AllToAllSize)}; fastest: {Name(fastest.Strategy, fastest.AllToAllSize)}; {all} ms; pick / fastest = {chosen.Ms / fastest.Ms:0.0000}")));
        }

        return goals;
    }

    /// <summary>The report: one table row per (shape, N, strategy) and the goals.</summary>
    public static string Markdown(IReadOnlyList<ProbeTime> times, string source)
    {
        ArgumentNullException.ThrowIfNull(times);
        var md = new StringBuilder();
        md.AppendLine("# Strategies across GPUs, one process per GPU");
        md.AppendLine();
        md.AppendLine(Invariant($"From `{source}` (`RingAttention.RankProbe time` lines: each rank's fastest pass after warm-up, transfers included). A strategy's time is its slowest rank's forward plus its slowest rank's backward."));
        md.AppendLine();
        md.AppendLine("| shape | N | strategy | slowest fwd ms | slowest bwd ms | fwd + bwd ms |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var g in times.GroupBy(t => (t.SequenceLength, t.QueryHeads, t.KeyValueHeads, t.HeadDim, t.RingSize, t.Strategy, t.AllToAllSize)))
        {
            double forward = g.Max(t => t.ForwardMs);
            double backward = g.Max(t => t.BackwardMs);
            md.AppendLine(Invariant($"| S={g.Key.SequenceLength} H={Heads(g.Key.QueryHeads, g.Key.KeyValueHeads)} D={g.Key.HeadDim} | {g.Key.RingSize} | {Name(g.Key.Strategy, g.Key.AllToAllSize)} | {forward:0.000} | {backward:0.000} | {forward + backward:0.000} |"));
        }

        md.AppendLine();
        md.AppendLine("| goal | verdict | measured | bound | detail |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (GoalResult goal in Goals(times))
        {
            md.AppendLine(Invariant($"| {goal.Name} | {goal.Verdict} | {goal.Measured:0.000} | {goal.Limit:0.000} | {goal.Detail} |"));
        }

        return md.ToString();
    }

    /// <summary>The probe's problem: causal, dual-chunk, bf16, B = 1 (<c>TimeProbe</c>).</summary>
    private static RingProblem Problem(ProbeTime t) => new()
    {
        BatchSize = 1,
        SequenceLength = t.SequenceLength,
        QueryHeads = t.QueryHeads,
        KeyValueHeads = t.KeyValueHeads,
        HeadDim = t.HeadDim,
        RingSize = t.RingSize,
        Mask = AttentionMask.Causal,
        Balance = LoadBalancing.DualChunk,
    };

    private static string Name(ContextParallelStrategy strategy, int allToAllSize) => strategy switch
    {
        ContextParallelStrategy.AllGather => "all-gather",
        ContextParallelStrategy.AllToAll => "all-to-all",
        ContextParallelStrategy.AllToAllThenRing => Invariant($"a2a({allToAllSize})+ring"),
        _ => "ring",
    };

    private static string Heads(int q, int kv) => q == kv ? Invariant($"{q}") : Invariant($"{q}/{kv}");

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    private static double Double(Match m, string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"TIME rank (?<rank>\d+)/(?<n>\d+) GPU \d+ (?<strategy>\w+)(?: Na=(?<na>\d+))? S=(?<s>\d+) H=(?<hq>\d+)/(?<hkv>\d+) D=(?<d>\d+): forward (?<fwd>[\d.]+) ms, backward (?<bwd>[\d.]+) ms")]
    private static partial Regex TimeLine();
}
