namespace RingAttention.Benchmarks;

/// <summary>
/// The case list. To add a point, add a shape to one of the lists below: every shape in <see cref="SingleGpuShapes"/>
/// gets a baseline and a ring N = 1 case, every entry of <see cref="RingShapes"/> a critical-path case per rank that can
/// be the slowest (both ends for dual-chunk, the last rank otherwise) and per N, and every entry of
/// <see cref="TotalShapes"/> an all-ranks-on-one-GPU case per N.
/// </summary>
public static class CaseCatalog
{
    private const int K = 1024;

    /// <summary>Which list to build.</summary>
    public enum Size
    {
        /// <summary>The full suite (about 4-5 minutes on an H100).</summary>
        Full,

        /// <summary>A subset for a first look (about 1-2 minutes).</summary>
        Quick,

        /// <summary>Tiny shapes with the same structure, for the CPU emulator of the shim (checks the harness, not the GPU).</summary>
        Smoke,
    }

    /// <summary>A problem shape: S, mask, Hq, Hkv.</summary>
    public readonly record struct Shape(int SequenceLength, AttentionMask Mask, int QueryHeads, int KeyValueHeads);

    /// <summary>A ring shape: a problem shape, its load balancing and the ring sizes to run.</summary>
    public readonly record struct RingShape(Shape Shape, LoadBalancing Balance, int[] RingSizes);

    /// <summary>Shapes run as the single-call baseline and as the ring at N = 1.</summary>
    public static IReadOnlyList<Shape> SingleGpuShapes(Size size) => size switch
    {
        Size.Quick =>
        [
            new(8 * K, AttentionMask.Causal, 16, 16),
            new(64 * K, AttentionMask.Causal, 16, 16),
        ],
        Size.Smoke =>
        [
            new(256, AttentionMask.Causal, 2, 2),
            new(1024, AttentionMask.Causal, 2, 2),
            new(1024, AttentionMask.Causal, 4, 2),
            new(512, AttentionMask.None, 2, 2),
        ],
        _ =>
        [
            new(8 * K, AttentionMask.Causal, 16, 16),
            new(32 * K, AttentionMask.Causal, 16, 16),
            new(64 * K, AttentionMask.Causal, 16, 16),
            new(64 * K, AttentionMask.Causal, 32, 8),
            new(32 * K, AttentionMask.None, 16, 16),
        ],
    };

    /// <summary>Ring shapes whose critical path (one rank replayed alone) is measured.</summary>
    public static IReadOnlyList<RingShape> RingShapes(Size size) => size switch
    {
        Size.Quick =>
        [
            new(new(64 * K, AttentionMask.Causal, 16, 16), LoadBalancing.DualChunk, [2, 8]),
        ],
        Size.Smoke =>
        [
            new(new(1024, AttentionMask.Causal, 2, 2), LoadBalancing.DualChunk, [2, 4, 8]),
            new(new(1024, AttentionMask.Causal, 4, 2), LoadBalancing.DualChunk, [2]),
        ],
        _ =>
        [
            new(new(64 * K, AttentionMask.Causal, 16, 16), LoadBalancing.DualChunk, [2, 4, 8]),
            new(new(64 * K, AttentionMask.Causal, 32, 8), LoadBalancing.DualChunk, [2, 4, 8]),
            new(new(32 * K, AttentionMask.None, 16, 16), LoadBalancing.None, [8]),
        ],
    };

    /// <summary>Ring shapes run with all N virtual ranks on one GPU, transfers included.</summary>
    public static IReadOnlyList<RingShape> TotalShapes(Size size) => size switch
    {
        Size.Quick => [],
        Size.Smoke => [new(new(1024, AttentionMask.Causal, 2, 2), LoadBalancing.DualChunk, [4])],
        _ => [new(new(64 * K, AttentionMask.Causal, 16, 16), LoadBalancing.DualChunk, [2, 4, 8])],
    };

    /// <summary>Every case of <paramref name="size"/>, in a stable order.</summary>
    public static IReadOnlyList<BenchCase> Build(Size size)
    {
        var cases = new List<BenchCase>();
        foreach (Shape s in SingleGpuShapes(size))
        {
            cases.Add(new BenchCase(CaseKind.Baseline, s.SequenceLength, s.Mask, s.QueryHeads, s.KeyValueHeads));
            cases.Add(new BenchCase(CaseKind.Ring, s.SequenceLength, s.Mask, s.QueryHeads, s.KeyValueHeads));
        }

        foreach (RingShape r in RingShapes(size))
        {
            foreach (int n in r.RingSizes)
            {
                var any = new BenchCase(CaseKind.CriticalPath, r.Shape.SequenceLength, r.Shape.Mask, r.Shape.QueryHeads, r.Shape.KeyValueHeads, n, r.Balance);
                foreach (int rank in CudaRankReplay.SlowestRankCandidates(any.Problem))
                {
                    cases.Add(any with { Rank = rank });
                }
            }
        }

        foreach (RingShape r in TotalShapes(size))
        {
            foreach (int n in r.RingSizes)
            {
                cases.Add(new BenchCase(CaseKind.RingTotal, r.Shape.SequenceLength, r.Shape.Mask, r.Shape.QueryHeads, r.Shape.KeyValueHeads, n, r.Balance));
            }
        }

        return cases;
    }
}
