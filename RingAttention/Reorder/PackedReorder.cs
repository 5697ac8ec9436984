using static System.FormattableString;

namespace RingAttention;

/// <summary>
/// Moves packed documents (<see cref="TensorLayout.Thd"/>, natural packed order without padding) to rank-local
/// padded shards and back. Each document is balanced on its own, as Transformer Engine does under context
/// parallelism: padded to a multiple of 2N (dual-chunk: rank r holds its chunks r and 2N-1-r) or N (striped: its
/// tokens r, r+N, ...; none: its chunk r), the documents in packing order. A shard therefore holds a slice of every
/// document, and padding rows sit at the end of each document's chunks; they read as zero and are dropped on restore.
/// </summary>
public static class PackedReorder
{
    /// <summary>What every padded length must be a multiple of: 2N for dual-chunk, N otherwise.</summary>
    public static int PaddingMultiple(LoadBalancing balance, int ringSize)
    {
        CheckRingSize(ringSize);
        return balance == LoadBalancing.DualChunk ? 2 * ringSize : ringSize;
    }

    /// <summary>Each length rounded up to <see cref="PaddingMultiple"/> (cu_seqlens_padded's differences).</summary>
    public static int[] PaddedLengths(IReadOnlyList<int> lengths, LoadBalancing balance, int ringSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        int multiple = PaddingMultiple(balance, ringSize);
        var padded = new int[lengths.Count];
        for (int d = 0; d < padded.Length; d++)
        {
            if (lengths[d] < 1)
            {
                throw new ArgumentException(Invariant($"lengths[{d}] is {lengths[d]}: every document needs at least one token."), nameof(lengths));
            }

            padded[d] = checked((lengths[d] + multiple - 1) / multiple * multiple);
        }

        return padded;
    }

    /// <summary>
    /// The packed row each of rank <paramref name="rank"/>'s local rows holds: entry j is a row of the natural packed
    /// tensor, or -1 where row j is padding. Its length is the shard's, the padded total / N.
    /// </summary>
    public static int[] ShardRows(PackedDocuments documents, LoadBalancing balance, int ringSize, int rank)
    {
        ArgumentNullException.ThrowIfNull(documents);
        int multiple = PaddingMultiple(balance, ringSize);
        if ((uint)rank >= (uint)ringSize)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, Invariant($"rank must lie in [0, {ringSize}), got {rank}."));
        }

        var rows = new int[documents.PaddedTotalLength / ringSize];
        for (int d = 0; d < documents.Count; d++)
        {
            int padded = documents.PaddedLengths[d];
            if (padded % multiple != 0)
            {
                throw new ArgumentException(
                    Invariant($"documents.PaddedLengths[{d}] ({padded}) must be a multiple of {multiple} for {balance} over {ringSize} ranks."), nameof(documents));
            }

            int local = padded / ringSize;
            int start = documents.PaddedOffsets[d] / ringSize;
            for (int j = 0; j < local; j++)
            {
                // Within its padded span a document is one whole sequence, balanced like any other.
                int position = SequenceReorder.OriginalPosition(balance, ringSize, padded, (rank * local) + j);
                rows[start + j] = position < documents.Lengths[d] ? documents.Offsets[d] + position : -1;
            }
        }

        return rows;
    }

    /// <summary>Copies rank <paramref name="rank"/>'s shard of <paramref name="full"/> into <paramref name="shard"/>; padding rows become default.</summary>
    /// <param name="full">The packed tensor, natural order, laid out as <paramref name="fullAxis"/> (Length = T).</param>
    /// <param name="fullAxis">Shape of <paramref name="full"/> around its token axis ([1, T, H·D], or [Hq, T, 1] for an LSE).</param>
    /// <param name="documents">The documents.</param>
    /// <param name="balance">Load balancing.</param>
    /// <param name="ringSize">N.</param>
    /// <param name="rank">Which shard.</param>
    /// <param name="shard">Destination, [Outer, padded T / N, Inner].</param>
    public static void CopyShard<T>(ReadOnlySpan<T> full, SequenceAxis fullAxis, PackedDocuments documents, LoadBalancing balance, int ringSize, int rank, Span<T> shard)
    {
        int[] rows = ShardRows(documents, balance, ringSize, rank);
        CheckSizes(full.Length, shard.Length, fullAxis, documents, rows.Length);
        int inner = fullAxis.Inner;
        for (int o = 0; o < fullAxis.Outer; o++)
        {
            for (int j = 0; j < rows.Length; j++)
            {
                Span<T> target = shard.Slice(((o * rows.Length) + j) * inner, inner);
                if (rows[j] < 0)
                {
                    target.Clear();
                    continue;
                }

                full.Slice(((o * fullAxis.Length) + rows[j]) * inner, inner).CopyTo(target);
            }
        }
    }

    /// <summary>Writes rank <paramref name="rank"/>'s valid rows back into <paramref name="full"/>; padding rows are dropped.</summary>
    /// <param name="shard">The shard, [Outer, padded T / N, Inner].</param>
    /// <param name="fullAxis">Shape of <paramref name="full"/> around its token axis.</param>
    /// <param name="documents">The documents.</param>
    /// <param name="balance">Load balancing.</param>
    /// <param name="ringSize">N.</param>
    /// <param name="rank">Which shard.</param>
    /// <param name="full">Destination, natural packed order.</param>
    public static void RestoreShard<T>(ReadOnlySpan<T> shard, SequenceAxis fullAxis, PackedDocuments documents, LoadBalancing balance, int ringSize, int rank, Span<T> full)
    {
        int[] rows = ShardRows(documents, balance, ringSize, rank);
        CheckSizes(full.Length, shard.Length, fullAxis, documents, rows.Length);
        int inner = fullAxis.Inner;
        for (int o = 0; o < fullAxis.Outer; o++)
        {
            for (int j = 0; j < rows.Length; j++)
            {
                if (rows[j] >= 0)
                {
                    shard.Slice(((o * rows.Length) + j) * inner, inner).CopyTo(full.Slice(((o * fullAxis.Length) + rows[j]) * inner, inner));
                }
            }
        }
    }

    /// <summary>Splits a packed tensor into N new padded shard arrays.</summary>
    public static T[][] Shard<T>(ReadOnlySpan<T> full, SequenceAxis fullAxis, PackedDocuments documents, LoadBalancing balance, int ringSize)
    {
        ArgumentNullException.ThrowIfNull(documents);
        CheckRingSize(ringSize);
        var shards = new T[ringSize][];
        for (int r = 0; r < ringSize; r++)
        {
            shards[r] = new T[(long)fullAxis.Outer * (documents.PaddedTotalLength / ringSize) * fullAxis.Inner];
            CopyShard(full, fullAxis, documents, balance, ringSize, r, shards[r]);
        }

        return shards;
    }

    /// <summary>Gathers N padded shards into one new packed tensor in natural order, without padding.</summary>
    public static T[] Restore<T>(IReadOnlyList<T[]> shards, SequenceAxis fullAxis, PackedDocuments documents, LoadBalancing balance)
    {
        ArgumentNullException.ThrowIfNull(shards);
        CheckRingSize(shards.Count);
        var full = new T[fullAxis.ElementCount];
        for (int r = 0; r < shards.Count; r++)
        {
            RestoreShard<T>(shards[r], fullAxis, documents, balance, shards.Count, r, full);
        }

        return full;
    }

    private static void CheckSizes(int fullLength, int shardLength, SequenceAxis fullAxis, PackedDocuments documents, int local)
    {
        if (fullAxis.Length != documents.TotalLength || fullLength != fullAxis.ElementCount)
        {
            throw new ArgumentException(
                Invariant($"The packed tensor has {fullLength} elements on axis {fullAxis}; the documents need Length = {documents.TotalLength} and {fullAxis.ElementCount} elements."),
                nameof(fullAxis));
        }

        long expected = (long)fullAxis.Outer * local * fullAxis.Inner;
        if (shardLength != expected)
        {
            throw new ArgumentException(
                Invariant($"The shard has {shardLength} elements, expected {expected} (= {fullAxis.Outer} x {local} x {fullAxis.Inner})."), nameof(shardLength));
        }
    }

    private static void CheckRingSize(int ringSize)
    {
        if (ringSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ringSize), ringSize, Invariant($"ringSize must be at least 1, got {ringSize}."));
        }
    }
}
