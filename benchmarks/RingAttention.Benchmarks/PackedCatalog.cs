namespace RingAttention.Benchmarks;

/// <summary>
/// The packed-documents suite (<c>--packed</c>, issue 17): 64K tokens packed from 20 documents of mixed lengths,
/// causal, dual-chunk per document, H = 16, N = 8. The baseline is one GPU running the whole batch with one cuDNN call
/// per document (no padding); every rank of the ring is replayed alone (transfers skipped), since per-document padding
/// can make any rank the slowest.
/// </summary>
public static class PackedCatalog
{
    /// <summary>
    /// 20 documents, 64K tokens: a few long ones that dominate the work and many short ones that dominate the calls,
    /// none a multiple of 2N = 16 except by chance (the last fills the row to exactly 65536).
    /// </summary>
    public static readonly IReadOnlyList<int> MixedLengths =
        [12000, 9001, 7003, 6100, 5000, 4500, 4001, 3500, 3000, 2500, 2000, 1700, 1300, 1000, 700, 500, 300, 150, 37, 1244];

    /// <summary>Tiny documents with the same structure, for the CPU emulator of the shim (one of one token).</summary>
    public static readonly IReadOnlyList<int> SmokeLengths = [300, 1, 150, 37, 200, 80];

    /// <summary>The ring size of the goal.</summary>
    public const int RingSize = 8;

    /// <summary>Every case of the packed suite of <paramref name="size"/>, in a stable order.</summary>
    public static IReadOnlyList<BenchCase> Build(CaseCatalog.Size size)
    {
        IReadOnlyList<int> lengths = size == CaseCatalog.Size.Smoke ? SmokeLengths : MixedLengths;
        int ringSize = size == CaseCatalog.Size.Smoke ? 2 : RingSize;
        (int heads, int headDim) = size == CaseCatalog.Size.Smoke ? (2, 64) : (16, 128);
        int tokens = lengths.Sum();
        var cases = new List<BenchCase>
        {
            new(CaseKind.Baseline, tokens, AttentionMask.Causal, heads, heads, HeadDim: headDim, Documents: lengths),
        };
        for (int rank = 0; rank < ringSize; rank++)
        {
            cases.Add(new BenchCase(CaseKind.CriticalPath, tokens, AttentionMask.Causal, heads, heads, ringSize, LoadBalancing.DualChunk, rank, headDim, Documents: lengths));
        }

        return cases;
    }
}
