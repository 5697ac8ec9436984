using static System.FormattableString;

namespace RingAttention.Benchmarks;

/// <summary>What a case measures.</summary>
public enum CaseKind
{
    /// <summary>One cuDNN call over the full sequence on one GPU (the yardstick).</summary>
    Baseline,

    /// <summary>The ring at N = 1 through the public device API (<c>CudaRingAttention</c>).</summary>
    Ring,

    /// <summary>One rank of an N-rank ring replayed alone (transfers skipped): the per-GPU critical path.</summary>
    CriticalPath,

    /// <summary>All N virtual ranks of the ring on one GPU, transfers included (<c>CudaRingAttention</c>).</summary>
    RingTotal,

    /// <summary>All N virtual ranks on one GPU under <see cref="BenchCase.Strategy"/>, transfers included (<c>CudaRingAttention</c>).</summary>
    StrategyTotal,

    /// <summary>
    /// One rank's kernels under <see cref="BenchCase.Strategy"/>, replayed alone without transfers: all-to-all's one
    /// full-sequence call on the rank's heads, or rank <see cref="BenchCase.Rank"/> of all-to-all then ring's inner ring.
    /// </summary>
    StrategyKernels,
}

/// <summary>The forward or the backward pass.</summary>
public enum Pass
{
    /// <summary>Forward.</summary>
    Forward,

    /// <summary>Backward.</summary>
    Backward,
}

/// <summary>One benchmark case: a problem (bf16, B = 1) and how it is run. Its <see cref="Id"/> is what BenchmarkDotNet shows and filters on.</summary>
/// <param name="Kind">What is measured.</param>
/// <param name="SequenceLength">S.</param>
/// <param name="Mask">Causal or none.</param>
/// <param name="QueryHeads">Hq.</param>
/// <param name="KeyValueHeads">Hkv.</param>
/// <param name="RingSize">N (1 for the baseline).</param>
/// <param name="Balance">Load balancing of the ring.</param>
/// <param name="Rank">The replayed rank (critical path only).</param>
/// <param name="HeadDim">D.</param>
/// <param name="Strategy">The strategy (strategy cases only; Ring otherwise).</param>
/// <param name="AllToAllSize">Na of <see cref="ContextParallelStrategy.AllToAllThenRing"/>, else 0.</param>
/// <param name="Documents">Packed documents' lengths (THD, S = their sum; issue 17), else null.</param>
public sealed record BenchCase(
    CaseKind Kind,
    int SequenceLength,
    AttentionMask Mask,
    int QueryHeads,
    int KeyValueHeads,
    int RingSize = 1,
    LoadBalancing Balance = LoadBalancing.None,
    int Rank = 0,
    int HeadDim = 128,
    ContextParallelStrategy Strategy = ContextParallelStrategy.Ring,
    int AllToAllSize = 0,
    IReadOnlyList<int>? Documents = null)
{
    /// <summary>Batch size (always 1).</summary>
    public const int BatchSize = 1;

    /// <summary>A short name that sorts by kind, e.g. <c>crit-N8r7-S064K-causal-dual-H16</c>.</summary>
    public string Id
    {
        get
        {
            string kind = Kind switch
            {
                CaseKind.Baseline => "base",
                CaseKind.Ring => Invariant($"ring-N{RingSize}"),
                CaseKind.CriticalPath => Invariant($"crit-N{RingSize}r{Rank}"),
                CaseKind.StrategyTotal => Invariant($"strat-{StrategyText}-N{RingSize}"),
                CaseKind.StrategyKernels => Invariant($"kern-{StrategyText}-N{RingSize}{(HasReplayedRank ? Invariant($"r{Rank}") : string.Empty)}"),
                _ => Invariant($"total-N{RingSize}"),
            };
            string balance = Kind == CaseKind.Baseline || RingSize == 1 ? string.Empty : Balance switch
            {
                LoadBalancing.DualChunk => "-dual",
                LoadBalancing.Striped => "-striped",
                _ => "-contig",
            };
            string packed = Documents is null ? string.Empty : Invariant($"-thd{Documents.Count}");
            return Invariant($"{kind}-{SizeText(SequenceLength)}-{(Mask == AttentionMask.Causal ? "causal" : "nomask")}{balance}-{HeadsText}{(HeadDim == 128 ? string.Empty : Invariant($"-D{HeadDim}"))}{packed}");
        }
    }

    /// <summary>Whether <see cref="Rank"/> names the replayed rank: the critical path, and the kernel replays that run a ring's ranks.</summary>
    public bool HasReplayedRank => Kind == CaseKind.CriticalPath
        || (Kind == CaseKind.StrategyKernels && Strategy is ContextParallelStrategy.AllToAllThenRing or ContextParallelStrategy.AllGather);

    /// <summary>The strategy in case ids: ring, allgather, alltoall, a2a4ring.</summary>
    public string StrategyText => Strategy switch
    {
        ContextParallelStrategy.AllGather => "allgather",
        ContextParallelStrategy.AllToAll => "alltoall",
        ContextParallelStrategy.AllToAllThenRing => Invariant($"a2a{AllToAllSize}ring"),
        _ => "ring",
    };

    /// <summary>"H16" or "H32x8" (GQA).</summary>
    public string HeadsText => QueryHeads == KeyValueHeads ? Invariant($"H{QueryHeads}") : Invariant($"H{QueryHeads}x{KeyValueHeads}");

    /// <summary>The shape that names the baseline this case is compared with (S, mask, heads, D).</summary>
    public string ShapeKey => Invariant($"{SequenceLength}/{Mask}/{QueryHeads}/{KeyValueHeads}/{HeadDim}{(Documents is null ? string.Empty : "/thd:" + string.Join(',', Documents))}");

    /// <summary>The problem as the ring sees it.</summary>
    public RingProblem Problem
    {
        get
        {
            int ringSize = Kind == CaseKind.Baseline ? 1 : RingSize;
            LoadBalancing balance = Kind == CaseKind.Baseline ? LoadBalancing.None : Balance;
            return new()
            {
                BatchSize = BatchSize,
                SequenceLength = SequenceLength,
                QueryHeads = QueryHeads,
                KeyValueHeads = KeyValueHeads,
                HeadDim = HeadDim,
                RingSize = ringSize,
                Mask = Mask,
                Balance = balance,
                Strategy = Kind is CaseKind.StrategyTotal or CaseKind.StrategyKernels ? Strategy : ContextParallelStrategy.Ring,
                AllToAllSize = Kind is CaseKind.StrategyTotal or CaseKind.StrategyKernels ? AllToAllSize : 0,
                Layout = Documents is null ? TensorLayout.Bshd : TensorLayout.Thd,
                Documents = Documents is null ? null : PackedDocuments.Padded(Documents, balance, ringSize),
            };
        }
    }

    /// <summary>
    /// Floating-point operations of the full problem: 4·B·Hq·S²·D forward, 2.5× that backward, halved for causal; for
    /// packed documents the sum over the documents (attention never crosses one).
    /// </summary>
    public double Flops(Pass pass)
    {
        double squares = Documents is null ? (double)SequenceLength * SequenceLength : Documents.Sum(d => (double)d * d);
        double forward = 4.0 * BatchSize * QueryHeads * squares * HeadDim;
        if (Mask == AttentionMask.Causal)
        {
            forward /= 2;
        }

        return pass == Pass.Forward ? forward : 2.5 * forward;
    }

    /// <summary>"8K", "64K" (zero-padded to sort), or the number itself below 1024.</summary>
    public static string SizeText(int length) => length % 1024 == 0 ? Invariant($"S{length / 1024:000}K") : Invariant($"S{length}");

    /// <inheritdoc />
    public override string ToString() => Id;
}
