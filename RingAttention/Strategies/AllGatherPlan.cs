using static System.FormattableString;

namespace RingAttention.Strategies;

/// <summary>
/// The fused-attention calls one rank makes after gathering K and V in sequence order: one per run of local query
/// rows whose original positions are consecutive, each against the one contiguous key range it can see (TE
/// <c>get_kv_seq_info_after_all_gather</c>, strategies.md §1.1). No LSE merge: every query row is in exactly one call.
/// </summary>
/// <remarks>
/// <para>None: one call (rows [0, L), positions [rL, (r+1)L)). DualChunk: two calls, chunk r (rows [0, c)) and
/// chunk 2N-1-r (rows [c, 2c)); causal gives them keys [0, (r+1)c) and [0, (2N-r)c), so every rank does 2N-1 full
/// blocks and 2 triangles. A window shifts the start: kv_start = max(0, q0 - Wl); a bounded right side or a causal mask
/// ends the range at min(S, q0 + n + Wr) (Wr = 0 when causal).</para>
/// <para>Striped: rank r's rows hold positions r + iN, so under a causal mask or a window row i sees a key prefix or
/// band that grows by N keys per row: a band of slope N, which no single cuDNN band expresses, and one call per row
/// would be absurd. Striped is therefore planned only without mask and window (one call, all S keys, no band) and
/// refused otherwise, naming the reason; TE JAX likewise keeps striped all-gather for THD with stripe runs.</para>
/// </remarks>
internal static class AllGatherPlan
{
    /// <summary>The calls of <paramref name="rank"/>, in local row order, covering each local row once.</summary>
    /// <exception cref="NotSupportedException">Striped balancing with a causal mask or a window.</exception>
    public static IReadOnlyList<AllGatherBlock> For(RingProblem problem, int rank)
    {
        ArgumentNullException.ThrowIfNull(problem);
        problem.Validate();
        problem.ValidateRank(rank);
        int n = problem.RingSize;
        int local = problem.LocalLength;
        switch (problem.Balance)
        {
            case LoadBalancing.None:
                return [Block(problem, queryStart: 0, firstPosition: rank * local, local)];
            case LoadBalancing.DualChunk:
            {
                int chunk = local / 2;
                return
                [
                    Block(problem, queryStart: 0, firstPosition: rank * chunk, chunk),
                    Block(problem, queryStart: chunk, firstPosition: ((2 * n) - 1 - rank) * chunk, chunk),
                ];
            }

            case LoadBalancing.Striped:
                if (problem.Mask != AttentionMask.None || problem.Window is not null)
                {
                    throw new NotSupportedException(Invariant(
                        $"AllGather with Striped balancing needs no mask and no window (got {problem.Mask}, window {problem.Window}): striped rows see key ranges growing N = {n} keys per row, which no single band expresses. Use DualChunk or None."));
                }

                return [new AllGatherBlock(0, local, 0, problem.SequenceLength, null, null)];
            default:
                throw new ArgumentOutOfRangeException(nameof(problem), problem.Balance, "Unknown load balancing.");
        }
    }

    /// <summary>The call for <paramref name="count"/> rows holding positions [firstPosition, firstPosition + count).</summary>
    private static AllGatherBlock Block(RingProblem problem, int queryStart, int firstPosition, int count)
    {
        int s = problem.SequenceLength;
        AttentionWindow window = problem.Window ?? new AttentionWindow(AttentionWindow.Unbounded, AttentionWindow.Unbounded);
        bool causal = problem.Mask == AttentionMask.Causal;

        // Key position k is visible from query position q iff k - q lies in [-left, right] (null: unbounded).
        int? left = window.HasLeft ? window.Left : null;
        int? right = causal ? 0 : window.HasRight ? window.Right : null;

        int keyStart = left is int l ? Math.Max(0, firstPosition - l) : 0;
        int keyEnd = right is int r ? (int)Math.Min(s, (long)firstPosition + count + r) : s;
        int keyCount = keyEnd - keyStart;

        // j' - i' = (k - keyStart) - (q - firstPosition) = (k - q) + (firstPosition - keyStart).
        int shift = firstPosition - keyStart;
        int? low = left is int a ? shift - a : null;
        int? high = right is int b ? shift + b : null;

        // A side that cuts nothing inside the block is left unbounded: j' - i' already lies in [-(count-1), keyCount-1].
        if (low is int lo && lo <= -(count - 1))
        {
            low = null;
        }

        if (high is int hi && hi >= keyCount - 1)
        {
            high = null;
        }

        return new AllGatherBlock(queryStart, count, keyStart, keyCount, low, high);
    }
}
