namespace RingAttention.Strategies;

/// <summary>
/// The attention arithmetic of a problem, for weighing how much communication a strategy can hide behind compute.
/// Forward: two matrix products over the visible (query, key) pairs, 4·D flops per pair and head; backward: five
/// products, 2.5 times the forward (FlashAttention-2's accounting). Every strategy does the same total work, spread
/// evenly over the ranks by the load balancing (dual-chunk, striped, or heads), so one rank does 1/N of it.
/// </summary>
internal static class AttentionWork
{
    /// <summary>
    /// Measured: attention throughput of one H200 in bf16, 580 TFLOP/s, fwd+bwd: the single cuDNN call on the whole
    /// sequence (the 'base-' rows, S = 64K, causal, D = 128) did 589 TFLOP/s at H = 16 (25.30 + 79.19 ms) and 572 at
    /// H = 32/8 (55.35 + 160.00 ms), 578 over both (benchmarks/results/nvidia-h200-strategies-H16.md and -H32x8.md);
    /// the forward alone runs at 636-695, the backward at 550-555. The former assumption, 500, was 14 % low.
    /// </summary>
    public const double H200AttentionFlopsPerSecond = 580e12;

    /// <summary>Backward flops over forward flops.</summary>
    public const double BackwardOverForward = 2.5;

    /// <summary>
    /// Number of (query, key) position pairs the mask and window allow over the whole sequence, per batch row and head;
    /// for packed documents, the sum over the documents (no pair crosses one).
    /// </summary>
    public static double VisiblePairs(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.Documents is not PackedDocuments documents)
        {
            return VisiblePairs(problem, problem.SequenceLength);
        }

        double pairs = 0;
        foreach (int length in documents.Lengths)
        {
            pairs += VisiblePairs(problem, length);
        }

        return pairs;
    }

    /// <summary>The pairs of one sequence of <paramref name="s"/> tokens under the problem's mask and window.</summary>
    private static double VisiblePairs(RingProblem problem, long s)
    {
        AttentionWindow window = problem.Window ?? new AttentionWindow(AttentionWindow.Unbounded, AttentionWindow.Unbounded);
        bool causal = problem.Mask == AttentionMask.Causal;
        double pairs = 0;
        for (long q = 0; q < s; q++)
        {
            long first = window.HasLeft ? Math.Max(0, q - window.Left) : 0;
            long last = causal ? q : window.HasRight ? Math.Min(s - 1, q + window.Right) : s - 1;
            pairs += last - first + 1;
        }

        return pairs;
    }

    /// <summary>Forward flops of one rank: 4·B·Hq·D per visible pair, divided over the N ranks.</summary>
    public static double ForwardFlopsPerRank(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return 4.0 * problem.BatchSize * problem.QueryHeads * problem.HeadDim * VisiblePairs(problem) / problem.RingSize;
    }

    /// <summary>Forward plus backward flops of the whole problem on one GPU (T1's work): 1 + 2.5 times the forward.</summary>
    public static double TotalFlops(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return 4.0 * problem.BatchSize * problem.QueryHeads * problem.HeadDim * VisiblePairs(problem) * (1 + BackwardOverForward);
    }

    /// <summary>
    /// How many of a ring's N-1 remote steps bring keys some local query sees (the others only pass K/V on and hide
    /// nothing). Without a window, all of them. With a window of W keys on a side, a rank reaches ⌈W/L⌉ neighbours
    /// per side with contiguous shards, 2⌈W/c⌉ with dual-chunk (each of its two chunks reaches ⌈W/c⌉ chunks) and
    /// min(W, N-1) with striped shards (strategies.md §4, "skippable ring steps"); a causal mask has no right side.
    /// </summary>
    public static int BusyRingSteps(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int remote = problem.RingSize - 1;
        if (problem.Window is not AttentionWindow window || !window.HasLeft || (!window.HasRight && problem.Mask != AttentionMask.Causal))
        {
            return remote;
        }

        long right = problem.Mask == AttentionMask.Causal ? 0 : window.Right;
        long steps = Reach(problem, window.Left) + Reach(problem, right);
        return (int)Math.Min(remote, steps);
    }

    private static long Reach(RingProblem problem, long keys) => problem.Balance switch
    {
        LoadBalancing.DualChunk => 2 * CeilingDivide(keys, problem.SequenceLength / (2 * problem.RingSize)),
        LoadBalancing.Striped => Math.Min(keys, problem.RingSize - 1),
        _ => CeilingDivide(keys, problem.LocalLength),
    };

    private static long CeilingDivide(long a, long b) => (a + b - 1) / b;
}
