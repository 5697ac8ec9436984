namespace RingAttention.Backends;

/// <summary>
/// A strided box inside a tensor: every batch and the whole head dim, <see cref="RowCount"/> sequence rows starting at
/// <see cref="FirstRow"/> every <see cref="RowStep"/> rows, and <see cref="HeadCount"/> heads from <see cref="FirstHead"/>.
/// Row k of the region is row FirstRow + k·RowStep of the frame: a striped rank's rows inside a whole sequence are one
/// region with RowStep = N, a dual-chunk chunk one with RowStep = 1.
/// </summary>
/// <param name="Frame">The whole tensor.</param>
/// <param name="FirstRow">First sequence row.</param>
/// <param name="RowCount">Rows in the region.</param>
/// <param name="RowStep">Distance between consecutive rows of the region (at least 1).</param>
/// <param name="FirstHead">First head.</param>
/// <param name="HeadCount">Heads in the region.</param>
internal readonly record struct TensorRegion(TensorFrame Frame, int FirstRow, int RowCount, int RowStep, int FirstHead, int HeadCount)
{
    /// <summary>Rows [first, first + count) and every head.</summary>
    public static TensorRegion Rows(TensorFrame frame, int first, int count) => new(frame, first, count, 1, 0, frame.Heads);

    /// <summary>Every row and heads [first, first + count).</summary>
    public static TensorRegion Heads(TensorFrame frame, int first, int count) => new(frame, 0, frame.Length, 1, first, count);

    /// <summary>Elements in the region.</summary>
    public long ElementCount => (long)Frame.Batch * RowCount * HeadCount * Frame.HeadDim;

    /// <summary>Element offset of region element [b, k, h, 0] in the frame.</summary>
    public long Offset(int b, int k, int h) => Frame.Offset(b, FirstRow + (k * RowStep), FirstHead + h);

    /// <summary>Same sizes as <paramref name="other"/>: batch, rows, heads and head dim (what a copy between them needs).</summary>
    public bool SameSizeAs(in TensorRegion other) =>
        Frame.Batch == other.Frame.Batch && RowCount == other.RowCount && HeadCount == other.HeadCount && Frame.HeadDim == other.Frame.HeadDim;

    /// <summary>Throws unless the region is non-empty and lies inside its frame.</summary>
    public void Validate(string name)
    {
        long lastRow = FirstRow + ((long)(RowCount - 1) * RowStep);
        if (RowCount < 1 || HeadCount < 1 || RowStep < 1 || FirstRow < 0 || FirstHead < 0 || lastRow >= Frame.Length || FirstHead + HeadCount > Frame.Heads)
        {
            throw new ArgumentOutOfRangeException(name, this, $"{name}: rows {FirstRow} + k·{RowStep} (k < {RowCount}) and heads [{FirstHead}, {FirstHead + HeadCount}) must lie inside {Frame}.");
        }
    }
}
