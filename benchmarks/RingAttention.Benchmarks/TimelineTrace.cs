using RingAttention.Cuda;
using static System.FormattableString;

namespace RingAttention.Benchmarks;

/// <summary>Where one replayed rank's time went in one call, from its timing events.</summary>
/// <param name="Case">The ring shape and rank, as the case ids spell it.</param>
/// <param name="Pass">Forward or backward.</param>
/// <param name="RingSize">N.</param>
/// <param name="Rank">The replayed rank.</param>
/// <param name="WallMs">From the call's first event to its last interval's end.</param>
/// <param name="KernelMs">The attention kernels alone (the compute stream's intervals).</param>
/// <param name="AccumulateMs">Packing, merges, accumulations and casts on the accumulation stream.</param>
/// <param name="ExposedAccumulateMs">The part of <paramref name="AccumulateMs"/> that ran while no kernel did.</param>
public sealed record CriticalPathBreakdown(
    string Case, Pass Pass, int RingSize, int Rank, double WallMs, double KernelMs, double AccumulateMs, double ExposedAccumulateMs)
{
    /// <summary>What is neither a kernel nor exposed accumulation: launch gaps and waits between them.</summary>
    public double OtherMs => WallMs - KernelMs - ExposedAccumulateMs;
}

/// <summary>
/// Records one forward and one backward of a dual-chunk causal ring of 4 virtual ranks with CUDA timing events and
/// writes them as Chrome traces (chrome://tracing, Perfetto), so that one can see whether each rank's transfers run
/// beside its compute; and replays the slowest ranks of the critical-path shapes with timing events, to show where each
/// rank's time goes (kernels, merges and accumulations beside or after them, gaps).
/// </summary>
internal static class TimelineTrace
{
    /// <summary>Replays the candidate slowest ranks of every dual-chunk critical-path shape; writes the N=8 H=16 traces.</summary>
    public static (IReadOnlyList<string> Files, IReadOnlyList<CriticalPathBreakdown> Breakdowns) ReplayCriticalPaths(
        string output, string cardSlug, CaseCatalog.Size size)
    {
        Directory.CreateDirectory(output);
        var files = new List<string>();
        var breakdowns = new List<CriticalPathBreakdown>();
        foreach (CaseCatalog.RingShape shape in CaseCatalog.RingShapes(size).Where(r => r.Balance == LoadBalancing.DualChunk))
        {
            foreach (int n in shape.RingSizes)
            {
                var any = new BenchCase(
                    CaseKind.CriticalPath, shape.Shape.SequenceLength, shape.Shape.Mask, shape.Shape.QueryHeads, shape.Shape.KeyValueHeads, n, shape.Balance);
                foreach (int rank in CudaRankReplay.SlowestRankCandidates(any.Problem))
                {
                    using CudaRankReplay replay = CudaRankReplay.ForRank(any.Problem, rank, AttentionRunners.Context, recordTimeline: true);
                    string name = (any with { Rank = rank }).Id;
                    foreach ((Pass pass, Action run) in new (Pass, Action)[] { (Pass.Forward, replay.Forward), (Pass.Backward, replay.Backward) })
                    {
                        // The first call after planning may still pay one-time costs; the second is the one recorded.
                        run();
                        replay.Synchronize();
                        run();
                        replay.Synchronize();
                        RingTimeline timeline = replay.ReadTimeline();
                        breakdowns.Add(new CriticalPathBreakdown(
                            name, pass, n, rank, timeline.EndMicroseconds(rank) / 1000, timeline.ComputeMicroseconds(rank) / 1000,
                            timeline.AccumulateMicroseconds(rank) / 1000, timeline.ExposedAccumulateMicroseconds(rank) / 1000));
                        if (n == shape.RingSizes.Max() && rank == n - 1 && shape.Shape.QueryHeads == shape.Shape.KeyValueHeads)
                        {
                            string path = Path.Combine(output, Invariant($"{cardSlug}-trace-{name}-{Results.PassName(pass)}.json"));
                            using FileStream file = File.Create(path);
                            timeline.WriteChromeTrace(file);
                            files.Add(path);
                        }
                    }
                }
            }
        }

        foreach (CriticalPathBreakdown b in breakdowns)
        {
            Console.WriteLine(Invariant(
                $"replay {b.Case} {Results.PassName(b.Pass)}: wall {b.WallMs:0.000} ms = kernels {b.KernelMs:0.000} + exposed merges {b.ExposedAccumulateMs:0.000} + other {b.OtherMs:0.000} (merges in all {b.AccumulateMs:0.000})"));
        }

        return (files, breakdowns);
    }

    public static IReadOnlyList<string> Write(string output, string cardSlug, CaseCatalog.Size size)
    {
        int sequence = size == CaseCatalog.Size.Smoke ? 1024 : 65536;
        var problem = new RingProblem
        {
            BatchSize = 1, SequenceLength = sequence, QueryHeads = 16, KeyValueHeads = 16, HeadDim = 128,
            RingSize = 4, Mask = AttentionMask.Causal, Balance = LoadBalancing.DualChunk,
        };
        Directory.CreateDirectory(output);
        var files = new List<string>();
        using var runner = new RingRunner(problem, AttentionRunners.Context, recordTimeline: true);
        foreach ((string pass, Action run) in new (string, Action)[] { ("forward", runner.Forward), ("backward", runner.Backward) })
        {
            run();
            runner.Synchronize();
            RingTimeline timeline = runner.ReadTimeline();
            string path = Path.Combine(output, Invariant($"{cardSlug}-trace-n4-{pass}.json"));
            using (FileStream file = File.Create(path))
            {
                timeline.WriteChromeTrace(file);
            }

            files.Add(path);
            Console.WriteLine(Invariant($"trace {pass}, N=4 dual-chunk causal S={sequence} H=16 D=128 bf16 (virtual ranks sharing one GPU):"));
            for (int rank = 0; rank < problem.RingSize; rank++)
            {
                Console.WriteLine(Invariant(
                    $"  rank {rank}: compute {timeline.ComputeMicroseconds(rank) / 1000:0.000} ms, merges {timeline.AccumulateMicroseconds(rank) / 1000:0.000} ms, transfers {timeline.TransferMicroseconds(rank) / 1000:0.000} ms, {timeline.HiddenTransferShare(rank):P0} of transfer time beside compute"));
            }
        }

        return files;
    }
}
