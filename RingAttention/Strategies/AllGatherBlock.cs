namespace RingAttention.Strategies;

/// <summary>
/// One fused-attention call of the all-gather strategy: a contiguous run of a rank's local query rows against a
/// contiguous range of the gathered keys in sequence order, with the visible pairs inside it given as a diagonal band.
/// </summary>
/// <remarks>
/// With block-local rows i' = local row - <see cref="QueryStart"/> and j' = sequence-order key - <see cref="KeyStart"/>,
/// the pair is visible iff <see cref="BandLow"/> &lt;= j' - i' &lt;= <see cref="BandHigh"/>; null means that side is
/// unbounded (inside the block). Causal chunks get BandHigh = KeyCount - QueryCount: cuDNN's bottom-right causal.
/// The band is stated as offsets rather than as the schedule's block band type so that either backend can map it.
/// </remarks>
/// <param name="QueryStart">First local query row (rank-local row order).</param>
/// <param name="QueryCount">Number of query rows; their original positions are consecutive.</param>
/// <param name="KeyStart">First key, as an original (sequence-order) position in the gathered buffer.</param>
/// <param name="KeyCount">Number of keys.</param>
/// <param name="BandLow">Smallest visible j' - i', or null for no lower limit.</param>
/// <param name="BandHigh">Largest visible j' - i', or null for no upper limit.</param>
internal readonly record struct AllGatherBlock(int QueryStart, int QueryCount, int KeyStart, int KeyCount, int? BandLow, int? BandHigh)
{
    /// <summary>Whether block-local query <paramref name="queryRow"/> sees block-local key <paramref name="keyRow"/>.</summary>
    public bool Sees(int queryRow, int keyRow)
    {
        if ((uint)queryRow >= (uint)QueryCount || (uint)keyRow >= (uint)KeyCount)
        {
            return false;
        }

        int offset = keyRow - queryRow;
        return (BandLow is not int low || offset >= low) && (BandHigh is not int high || offset <= high);
    }
}
