namespace RingAttention.Tests.Strategies;

/// <summary>
/// The matrix the CPU strategies are checked on: strategy x N x balancing x mask/window, B = 2, S = 8N (dual-chunk
/// chunks of 4), Hq = 4 with Hkv = 2 (the all-to-all over 4 ranks then replicates each KV head twice), plus GQA,
/// N = 8 and Sbhd cases. Left -2: no window; -1: an unbounded side.
/// </summary>
public static class StrategyCaseData
{
    private static readonly int[] RingSizes = [1, 2, 4];

    /// <summary>Mask, window left, window right: none, causal, a causal window, a (left, right) band.</summary>
    private static readonly (AttentionMask Mask, int Left, int Right)[] Visibility =
        [(AttentionMask.None, -2, 0), (AttentionMask.Causal, -2, 0), (AttentionMask.Causal, 3, 0), (AttentionMask.None, 2, 1)];

    private static readonly ContextParallelStrategy[] Strategies =
        [ContextParallelStrategy.AllGather, ContextParallelStrategy.AllToAll, ContextParallelStrategy.AllToAllThenRing];

    /// <summary>Strategy, N, Na, balance, mask, window left, window right, Hq, Hkv, layout.</summary>
    public static TheoryData<ContextParallelStrategy, int, int, LoadBalancing, AttentionMask, int, int, int, int, TensorLayout> Cases()
    {
        var data = new TheoryData<ContextParallelStrategy, int, int, LoadBalancing, AttentionMask, int, int, int, int, TensorLayout>();
        foreach (ContextParallelStrategy strategy in Strategies)
        {
            foreach (int n in RingSizes)
            {
                // AllToAllThenRing: Na = 2 inside 4 ranks (a real hierarchy), Na = N below.
                int inner = strategy == ContextParallelStrategy.AllToAllThenRing ? Math.Min(2, n) : 0;
                foreach (LoadBalancing balance in Enum.GetValues<LoadBalancing>())
                {
                    if (balance == LoadBalancing.Striped && inner > 1 && inner < n)
                    {
                        continue; // refused by RingProblem.Validate: the inner gather is no striped shard
                    }

                    foreach ((AttentionMask mask, int left, int right) in Visibility)
                    {
                        data.Add(strategy, n, inner, balance, mask, left, right, 4, 2, TensorLayout.Bshd);
                    }
                }
            }

            // GQA down to one KV head (replicated four times over 4 ranks), no replication (Hkv = Hq), N = 8, Sbhd.
            int na = strategy == ContextParallelStrategy.AllToAllThenRing ? 2 : 0;
            data.Add(strategy, 4, na, LoadBalancing.DualChunk, AttentionMask.Causal, 5, 0, 4, 1, TensorLayout.Bshd);
            data.Add(strategy, 4, na, LoadBalancing.None, AttentionMask.None, 3, 2, 4, 4, TensorLayout.Bshd);
            data.Add(strategy, 8, strategy == ContextParallelStrategy.AllToAllThenRing ? 4 : 0, LoadBalancing.DualChunk, AttentionMask.Causal, 9, 0, 8, 2, TensorLayout.Bshd);
            data.Add(strategy, 4, na, LoadBalancing.DualChunk, AttentionMask.Causal, -2, 0, 4, 2, TensorLayout.Sbhd);
        }

        return data;
    }

    /// <summary>The problem of one case.</summary>
    public static RingProblem Problem(
        ContextParallelStrategy strategy, int ranks, int inner, LoadBalancing balance, AttentionMask mask, int left, int right, int queryHeads, int keyValueHeads, TensorLayout layout) =>
        TestTensors.Problem(ranks, mask, balance, batch: 2, sequence: 8 * ranks, queryHeads: queryHeads, keyValueHeads: keyValueHeads, headDim: 4, layout: layout)
        with
        {
            Strategy = strategy,
            AllToAllSize = inner,
            Window = left == -2 ? null : new AttentionWindow(left, right),
        };
}
