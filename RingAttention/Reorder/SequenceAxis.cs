namespace RingAttention;

/// <summary>
/// A tensor seen as [Outer, Length, Inner] elements, the sequence axis in the middle. BSHD is
/// [B, S, H·D], SBHD is [1, S, B·H·D], an LSE [B, H, S] is [B·H, S, 1].
/// </summary>
/// <param name="Outer">Product of the dimensions before the sequence axis.</param>
/// <param name="Length">Sequence length.</param>
/// <param name="Inner">Product of the dimensions after the sequence axis.</param>
public readonly record struct SequenceAxis(int Outer, int Length, int Inner)
{
    /// <summary>Total number of elements.</summary>
    public long ElementCount => (long)Outer * Length * Inner;

    /// <summary>The same tensor with a different sequence length (a rank's shard of it).</summary>
    public SequenceAxis WithLength(int length) => this with { Length = length };

    /// <summary>The axis of an LSE tensor [B, H, S].</summary>
    public static SequenceAxis ForLse(int batch, int heads, int sequence) => new(batch * heads, sequence, 1);
}
