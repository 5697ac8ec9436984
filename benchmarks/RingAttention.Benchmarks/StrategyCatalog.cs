using RingAttention.Strategies;

namespace RingAttention.Benchmarks;

/// <summary>
/// The strategy suite (<c>--strategies</c>, issue 16 item 4): dual-chunk causal shapes, and for each N and each strategy
/// the problem allows, all virtual ranks on one GPU (<see cref="CaseKind.StrategyTotal"/>) and one rank's kernels
/// replayed alone (<see cref="CaseKind.CriticalPath"/> for the ring, <see cref="CaseKind.StrategyKernels"/> for
/// all-gather, all-to-all and all-to-all then ring), plus the single-call baseline of each shape (T1). Run apart from the main
/// suite so that each stays within the GPU machine's 10 minutes per call.
/// </summary>
public static class StrategyCatalog
{
    private const int K = 1024;

    /// <summary>The shapes and ring sizes of <paramref name="size"/>.</summary>
    public static IReadOnlyList<CaseCatalog.RingShape> Shapes(CaseCatalog.Size size) => size switch
    {
        CaseCatalog.Size.Quick => [new(new(64 * K, AttentionMask.Causal, 16, 16), LoadBalancing.DualChunk, [8])],
        CaseCatalog.Size.Smoke =>
        [
            new(new(1024, AttentionMask.Causal, 4, 4), LoadBalancing.DualChunk, [2, 4]),
            new(new(1024, AttentionMask.Causal, 8, 2), LoadBalancing.DualChunk, [4]),
        ],
        _ =>
        [
            new(new(64 * K, AttentionMask.Causal, 16, 16), LoadBalancing.DualChunk, [2, 4, 8]),
            new(new(64 * K, AttentionMask.Causal, 32, 8), LoadBalancing.DualChunk, [2, 4, 8]),
        ],
    };

    /// <summary>The strategies (with Na) a problem allows, in the heuristic's tie-break order.</summary>
    public static IReadOnlyList<(ContextParallelStrategy Strategy, int AllToAllSize)> Strategies(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return [.. StrategyHeuristic.Candidates(problem)];
    }

    /// <summary>Every case of the strategy suite of <paramref name="size"/>, in a stable order.</summary>
    public static IReadOnlyList<BenchCase> Build(CaseCatalog.Size size)
    {
        var cases = new List<BenchCase>();
        foreach (CaseCatalog.RingShape r in Shapes(size))
        {
            CaseCatalog.Shape s = r.Shape;
            cases.Add(new BenchCase(CaseKind.Baseline, s.SequenceLength, s.Mask, s.QueryHeads, s.KeyValueHeads));
            foreach (int n in r.RingSizes)
            {
                var ring = new BenchCase(CaseKind.CriticalPath, s.SequenceLength, s.Mask, s.QueryHeads, s.KeyValueHeads, n, r.Balance);
                foreach ((ContextParallelStrategy strategy, int inner) in Strategies(ring.Problem))
                {
                    BenchCase total = ring with { Kind = CaseKind.StrategyTotal, Strategy = strategy, AllToAllSize = inner };
                    cases.Add(total);
                    cases.AddRange(Kernels(total));
                }
            }
        }

        return cases;
    }

    /// <summary>The kernel-replay cases of one strategy case: every rank that may be the slowest.</summary>
    private static IEnumerable<BenchCase> Kernels(BenchCase total) => total.Strategy switch
    {
        ContextParallelStrategy.Ring => CudaRankReplay.SlowestRankCandidates(total.Problem with { Strategy = ContextParallelStrategy.Ring })
            .Select(rank => total with { Kind = CaseKind.CriticalPath, Strategy = ContextParallelStrategy.Ring, Rank = rank }),
        ContextParallelStrategy.AllGather => CudaRankReplay.SlowestRankCandidates(total.Problem)
            .Select(rank => total with { Kind = CaseKind.StrategyKernels, Rank = rank }),
        ContextParallelStrategy.AllToAll => [total with { Kind = CaseKind.StrategyKernels }],
        ContextParallelStrategy.AllToAllThenRing => CudaRankReplay.SlowestRankCandidates(StrategyKernels.InnerRingProblem(total.Problem))
            .Select(rank => total with { Kind = CaseKind.StrategyKernels, Rank = rank }),
        _ => [],
    };
}
