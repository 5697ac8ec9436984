namespace RingAttention.Backends;

/// <summary>
/// The shape and memory order of one whole tensor: [B, Length, Heads, HeadDim] in <see cref="Layout"/> order. The
/// strategies move data between tensors of different lengths and head counts (a rank's shard, a gathered sequence, a
/// head shard), so a frame travels with every region instead of being implied by the problem.
/// </summary>
/// <param name="Layout">Memory order.</param>
/// <param name="Batch">B.</param>
/// <param name="Length">Rows along the sequence axis.</param>
/// <param name="Heads">Heads.</param>
/// <param name="HeadDim">D (1 for an LSE).</param>
internal readonly record struct TensorFrame(FrameLayout Layout, int Batch, int Length, int Heads, int HeadDim)
{
    /// <summary>Elements of the whole tensor.</summary>
    public long ElementCount => (long)Batch * Length * Heads * HeadDim;

    /// <summary>Elements between consecutive batches.</summary>
    public long BatchStride => Layout switch
    {
        FrameLayout.Sbhd => (long)Heads * HeadDim,
        _ => (long)Length * Heads * HeadDim,
    };

    /// <summary>Elements between consecutive heads.</summary>
    public long HeadStride => Layout == FrameLayout.Bhs ? Length : HeadDim;

    /// <summary>Elements between consecutive sequence rows.</summary>
    public long RowStride => Layout switch
    {
        FrameLayout.Bshd => (long)Heads * HeadDim,
        FrameLayout.Sbhd => (long)Batch * Heads * HeadDim,
        _ => 1,
    };

    /// <summary>Element offset of [b, row, h, 0].</summary>
    public long Offset(int b, int row, int h) => (b * BatchStride) + (row * RowStride) + (h * HeadStride);

    /// <summary>A Q-like tensor (Q, O, dO, dQ) of <paramref name="length"/> rows and <paramref name="heads"/> heads in the problem's layout.</summary>
    public static TensorFrame Attention(RingProblem problem, int length, int heads) =>
        new(problem.Layout == TensorLayout.Bshd ? FrameLayout.Bshd : FrameLayout.Sbhd, problem.BatchSize, length, heads, problem.HeadDim);

    /// <summary>An fp32 LSE, [B, heads, length].</summary>
    public static TensorFrame Lse(RingProblem problem, int length, int heads) => new(FrameLayout.Bhs, problem.BatchSize, length, heads, 1);

    /// <summary>The whole frame as one region.</summary>
    public TensorRegion All => new(this, 0, Length, 1, 0, Heads);

    /// <summary>
    /// The shape alone. Written out because the record's generated one would print <see cref="All"/>, a region that
    /// prints its frame again: an endless recursion (a stack overflow in every error message naming a region).
    /// </summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Layout}[B {Batch}, rows {Length}, heads {Heads}, D {HeadDim}]");
}
