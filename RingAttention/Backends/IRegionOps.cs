namespace RingAttention.Backends;

/// <summary>
/// Strided copies between regions of tensors of any frame: what the all-gather and all-to-all strategies need to put
/// rank-ordered blocks into sequence order, pack heads for an all-to-all and unpack them, and sum replicated gradients.
/// On the GPU each call is one strided copy (or add) kernel; on the CPU, loops over rows.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a buffer.</typeparam>
internal interface IRegionOps<TTensor>
{
    /// <summary>A view of <paramref name="count"/> elements from element <paramref name="start"/>; copies nothing (one block of a collective's buffer).</summary>
    TTensor Slice(TTensor tensor, long start, long count);

    /// <summary>destination[to] = source[from], converted to the destination's element type. The regions must have the same sizes.</summary>
    void Copy(TTensor source, in TensorRegion from, TTensor destination, in TensorRegion to);

    /// <summary>accumulator[to] += source[from]; the accumulator is fp32. The regions must have the same sizes.</summary>
    void Accumulate(TTensor accumulator, in TensorRegion to, TTensor source, in TensorRegion from);
}
