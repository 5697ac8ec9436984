using System.Globalization;

namespace RingAttention;

/// <summary>
/// Moves full sequences (natural token order) to per-rank shards and back, for each kind of load balancing.
/// Shard once before the model and restore once after: every token-wise layer runs in shard order.
/// </summary>
/// <remarks>
/// Rank r's local row j is global "sharded position" n = r·L + j. <see cref="OriginalPosition"/> maps n to the
/// natural token position it holds (README.md, "The ring", load balancing):
/// dual-chunk: p = n / c, o = n % c, original = (p even ? p/2 : 2N-1-(p-1)/2)·c + o with c = S/(2N);
/// striped: original = j·N + r. Both hold for any N &gt;= 1, odd N included.
/// </remarks>
public static class SequenceReorder
{
    /// <summary>The natural token position held at <paramref name="shardedPosition"/> (= rank·L + local row).</summary>
    public static int OriginalPosition(LoadBalancing balance, int ringSize, int sequenceLength, int shardedPosition)
    {
        switch (balance)
        {
            case LoadBalancing.None:
                return shardedPosition;
            case LoadBalancing.DualChunk:
            {
                int chunk = sequenceLength / (2 * ringSize);
                int p = shardedPosition / chunk;
                int o = shardedPosition % chunk;
                int original = (p & 1) == 0 ? p / 2 : (2 * ringSize) - 1 - ((p - 1) / 2);
                return (original * chunk) + o;
            }

            case LoadBalancing.Striped:
            {
                int local = sequenceLength / ringSize;
                int rank = shardedPosition / local;
                int row = shardedPosition % local;
                return (row * ringSize) + rank;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(balance), balance, "Unknown load balancing.");
        }
    }

    /// <summary>Copies rank <paramref name="rank"/>'s shard of <paramref name="full"/> into <paramref name="shard"/>.</summary>
    /// <param name="full">The full tensor, natural order, laid out as <paramref name="fullAxis"/>.</param>
    /// <param name="fullAxis">Shape of <paramref name="full"/> around its sequence axis.</param>
    /// <param name="balance">Load balancing.</param>
    /// <param name="ringSize">N.</param>
    /// <param name="rank">Which shard.</param>
    /// <param name="shard">Destination, [Outer, S/N, Inner].</param>
    public static void CopyShard<T>(ReadOnlySpan<T> full, SequenceAxis fullAxis, LoadBalancing balance, int ringSize, int rank, Span<T> shard)
    {
        int local = CheckArguments(full.Length, shard.Length, fullAxis, balance, ringSize, rank);
        for (int o = 0; o < fullAxis.Outer; o++)
        {
            for (int j = 0; j < local; j++)
            {
                int source = OriginalPosition(balance, ringSize, fullAxis.Length, (rank * local) + j);
                full.Slice(((o * fullAxis.Length) + source) * fullAxis.Inner, fullAxis.Inner)
                    .CopyTo(shard.Slice(((o * local) + j) * fullAxis.Inner, fullAxis.Inner));
            }
        }
    }

    /// <summary>Writes rank <paramref name="rank"/>'s shard back into its natural positions of <paramref name="full"/>.</summary>
    /// <param name="shard">The shard, [Outer, S/N, Inner].</param>
    /// <param name="fullAxis">Shape of <paramref name="full"/> around its sequence axis.</param>
    /// <param name="balance">Load balancing.</param>
    /// <param name="ringSize">N.</param>
    /// <param name="rank">Which shard.</param>
    /// <param name="full">Destination, natural order.</param>
    public static void RestoreShard<T>(ReadOnlySpan<T> shard, SequenceAxis fullAxis, LoadBalancing balance, int ringSize, int rank, Span<T> full)
    {
        int local = CheckArguments(full.Length, shard.Length, fullAxis, balance, ringSize, rank);
        for (int o = 0; o < fullAxis.Outer; o++)
        {
            for (int j = 0; j < local; j++)
            {
                int target = OriginalPosition(balance, ringSize, fullAxis.Length, (rank * local) + j);
                shard.Slice(((o * local) + j) * fullAxis.Inner, fullAxis.Inner)
                    .CopyTo(full.Slice(((o * fullAxis.Length) + target) * fullAxis.Inner, fullAxis.Inner));
            }
        }
    }

    /// <summary>Splits a full tensor into N new shard arrays.</summary>
    public static T[][] Shard<T>(ReadOnlySpan<T> full, SequenceAxis fullAxis, LoadBalancing balance, int ringSize)
    {
        CheckRingSize(ringSize);
        var shards = new T[ringSize][];
        for (int r = 0; r < ringSize; r++)
        {
            shards[r] = new T[fullAxis.ElementCount / ringSize];
            CopyShard(full, fullAxis, balance, ringSize, r, shards[r]);
        }

        return shards;
    }

    /// <summary>Gathers N shards into one new full tensor in natural order.</summary>
    public static T[] Restore<T>(IReadOnlyList<T[]> shards, SequenceAxis fullAxis, LoadBalancing balance)
    {
        ArgumentNullException.ThrowIfNull(shards);
        CheckRingSize(shards.Count);
        var full = new T[fullAxis.ElementCount];
        for (int r = 0; r < shards.Count; r++)
        {
            RestoreShard<T>(shards[r], fullAxis, balance, shards.Count, r, full);
        }

        return full;
    }

    private static int CheckArguments(int fullLength, int shardLength, SequenceAxis fullAxis, LoadBalancing balance, int ringSize, int rank)
    {
        CheckRingSize(ringSize);
        if ((uint)rank >= (uint)ringSize)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, string.Create(CultureInfo.InvariantCulture, $"rank must lie in [0, {ringSize}), got {rank}."));
        }

        int divisor = balance == LoadBalancing.DualChunk ? 2 * ringSize : ringSize;
        if (fullAxis.Length % divisor != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Sequence length {fullAxis.Length} must be divisible by {divisor} for {balance} load balancing over {ringSize} ranks."),
                nameof(fullAxis));
        }

        if (fullLength != fullAxis.ElementCount)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The full tensor has {fullLength} elements but its axis {fullAxis} holds {fullAxis.ElementCount}."),
                nameof(fullAxis));
        }

        int local = fullAxis.Length / ringSize;
        long expected = (long)fullAxis.Outer * local * fullAxis.Inner;
        if (shardLength != expected)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The shard has {shardLength} elements, expected {expected} (= {fullAxis.Outer} x {local} x {fullAxis.Inner})."),
                nameof(shardLength));
        }

        return local;
    }

    private static void CheckRingSize(int ringSize)
    {
        if (ringSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ringSize), ringSize, string.Create(CultureInfo.InvariantCulture, $"ringSize must be at least 1, got {ringSize}."));
        }
    }
}
