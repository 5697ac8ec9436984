using RingAttention.Interop;

namespace RingAttention.Cuda.Device;

/// <summary>The shim's accumulate and cast kernels over flat runs of elements (a [1, 1, 1, n] view), for the collectives.</summary>
internal static unsafe class FlatKernels
{
    /// <summary>fp32 <paramref name="accumulator"/>[0, count) += <paramref name="source"/>[0, count) of <paramref name="sourceType"/>.</summary>
    public static void Accumulate(nint accumulator, nint source, DeviceElementType sourceType, long count, SafeCudaStreamHandle stream)
    {
        if (count <= 0)
        {
            return;
        }

        ringattn_tensor_desc acc = Describe(count, DeviceElementType.Float32);
        ringattn_tensor_desc src = Describe(count, sourceType);
        ShimStatus.Check(NativeMethods.ringattn_accumulate(&acc, (float*)accumulator, &src, (void*)source, stream));
    }

    /// <summary><paramref name="destination"/>[0, count) = <paramref name="source"/>[0, count), converted between the types.</summary>
    public static void Cast(nint source, DeviceElementType sourceType, nint destination, DeviceElementType destinationType, long count, SafeCudaStreamHandle stream)
    {
        if (count <= 0)
        {
            return;
        }

        ringattn_tensor_desc src = Describe(count, sourceType);
        ringattn_tensor_desc dst = Describe(count, destinationType);
        ShimStatus.Check(NativeMethods.ringattn_cast(&src, (void*)source, &dst, (void*)destination, stream));
    }

    /// <summary>
    /// The flat range as [1, 1, rows, width] rows of up to <see cref="MaxRowWidth"/> elements: the shim's element-wise
    /// kernels spread rows over the grid and walk a row within one block, so one row of millions of elements ran on one
    /// block (the all-gather's reduce-scatter of virtual ranks took tens of milliseconds that way on the H200).
    /// </summary>
    private static ringattn_tensor_desc Describe(long count, DeviceElementType type)
    {
        long width = RowWidth(count);
        long rows = count / width;
        ringattn_tensor_desc d = default;
        d.dims[0] = 1;
        d.dims[1] = 1;
        d.dims[2] = rows;
        d.dims[3] = width;
        d.strides[0] = count;
        d.strides[1] = count;
        d.strides[2] = width;
        d.strides[3] = 1;
        d.dtype = NativeCodes.DataType(type);
        return d;
    }

    private const long MaxRowWidth = 1024;

    /// <summary>The largest power of two up to <see cref="MaxRowWidth"/> that divides <paramref name="count"/> (1 for an odd count).</summary>
    internal static long RowWidth(long count)
    {
        long width = MaxRowWidth;
        while (count % width != 0)
        {
            width /= 2;
        }

        return width;
    }
}
