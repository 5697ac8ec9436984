namespace RingAttention;

/// <summary>
/// A dense [B, S, H, D] tensor stored in BSHD or SBHD order, D innermost. Gives the element offset of a row
/// (one token of one head), which is all the CPU kernels and the reorder helpers need.
/// </summary>
/// <param name="Batch">B.</param>
/// <param name="Sequence">S (rows along the sequence axis).</param>
/// <param name="Heads">H.</param>
/// <param name="HeadDim">D.</param>
/// <param name="Layout">Memory order.</param>
public readonly record struct TensorShape(int Batch, int Sequence, int Heads, int HeadDim, TensorLayout Layout)
{
    /// <summary>Total number of elements.</summary>
    public long ElementCount => (long)Batch * Sequence * Heads * HeadDim;

    /// <summary>Offset of element [b, s, h, 0].</summary>
    public int RowOffset(int b, int s, int h) => Layout == TensorLayout.Bshd
        ? (((b * Sequence) + s) * Heads + h) * HeadDim
        : (((s * Batch) + b) * Heads + h) * HeadDim;

    /// <summary>The sequence axis seen as [outer, S, inner] elements, for reordering along S.</summary>
    public SequenceAxis SequenceAxis => Layout == TensorLayout.Bshd
        ? new SequenceAxis(Batch, Sequence, Heads * HeadDim)
        : new SequenceAxis(1, Sequence, Batch * Heads * HeadDim);
}
