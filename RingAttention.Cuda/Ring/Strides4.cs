namespace RingAttention.Cuda.Ring;

/// <summary>Element strides of a 4-D tensor in the shim's logical order [b, h, s, d].</summary>
internal readonly record struct Strides4(long B, long H, long S, long D)
{
    /// <summary>Strides of a dense [B, L, H, D] tensor (heads <paramref name="heads"/>) stored in <paramref name="layout"/>.</summary>
    public static Strides4 For(TensorLayout layout, int batch, int length, int heads, int headDim) => layout == TensorLayout.Bshd
        ? new Strides4((long)length * heads * headDim, headDim, (long)heads * headDim, 1)
        : new Strides4((long)heads * headDim, headDim, (long)batch * heads * headDim, 1);

    public unsafe void CopyTo(long* destination)
    {
        destination[0] = B;
        destination[1] = H;
        destination[2] = S;
        destination[3] = D;
    }
}
