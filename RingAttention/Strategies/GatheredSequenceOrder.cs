namespace RingAttention.Strategies;

/// <summary>
/// Where the tokens of a buffer gathered in rank order (rank r's L local rows at r·L, as an all-gather or an
/// all-to-all delivers them) sit in the original sequence, and the permutations between that rank order and
/// sequence order. All-gather and all-to-all attend over the whole sequence, so they reorder once to sequence order
/// (TE's "before-attn" chunk ids) and back (its "after-attn" ids) instead of carrying the balancing into the kernel.
/// </summary>
/// <remarks>
/// Gathered row r·L + j is the sharded position of <see cref="SequenceReorder"/>, so the positions come from
/// <see cref="SequenceReorder.OriginalPosition"/> and stay correct for every balancing and any N, odd included.
/// </remarks>
internal static class GatheredSequenceOrder
{
    /// <summary>The original token position held by gathered row <paramref name="gatheredRow"/>.</summary>
    public static int OriginalPosition(LoadBalancing balance, int ringSize, int sequenceLength, int gatheredRow) =>
        SequenceReorder.OriginalPosition(balance, ringSize, sequenceLength, gatheredRow);

    /// <summary>
    /// The gathered row that holds each original position: element t is the rank-order row of token t, so
    /// sequence[t] = gathered[result[t]] (an index_select into sequence order).
    /// </summary>
    public static int[] ToSequenceOrder(LoadBalancing balance, int ringSize, int sequenceLength)
    {
        var rowOf = new int[sequenceLength];
        for (int row = 0; row < sequenceLength; row++)
        {
            rowOf[OriginalPosition(balance, ringSize, sequenceLength, row)] = row;
        }

        return rowOf;
    }

    /// <summary>
    /// The original position each gathered row holds: element n is the token at rank-order row n, so
    /// gathered[n] = sequence[result[n]] (the index_select back to rank order before a reduce-scatter or all-to-all).
    /// </summary>
    public static int[] ToRankOrder(LoadBalancing balance, int ringSize, int sequenceLength)
    {
        var position = new int[sequenceLength];
        for (int row = 0; row < sequenceLength; row++)
        {
            position[row] = OriginalPosition(balance, ringSize, sequenceLength, row);
        }

        return position;
    }

    /// <summary>The original positions of rank <paramref name="rank"/>'s L local rows, in local row order.</summary>
    public static int[] LocalPositions(LoadBalancing balance, int ringSize, int sequenceLength, int rank)
    {
        int local = sequenceLength / ringSize;
        var positions = new int[local];
        for (int j = 0; j < local; j++)
        {
            positions[j] = OriginalPosition(balance, ringSize, sequenceLength, (rank * local) + j);
        }

        return positions;
    }
}
