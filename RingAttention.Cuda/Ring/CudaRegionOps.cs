using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// Region copies on the device: each call is one strided cast (a copy when the element types match) or one fp32
/// accumulate kernel of the shim, enqueued on one stream. A region is described to the shim as a [B, heads, rows, D]
/// view whose row stride is the frame's row stride times the region's step.
/// </summary>
internal sealed unsafe class CudaRegionOps : IRegionOps<DeviceTensor>
{
    private readonly SafeCudaStreamHandle _stream;
    private ringattn_tensor_desc _a;
    private ringattn_tensor_desc _b;

    public CudaRegionOps(SafeCudaStreamHandle stream) => _stream = stream;

    public DeviceTensor Slice(DeviceTensor tensor, long start, long count) => tensor.Slice(start, count);

    public void Copy(DeviceTensor source, in TensorRegion from, DeviceTensor destination, in TensorRegion to)
    {
        Check(source, from, destination, to);
        fixed (ringattn_tensor_desc* src = &_a, dst = &_b)
        {
            Describe(src, from, source.ElementType);
            Describe(dst, to, destination.ElementType);
            ShimStatus.Check(NativeMethods.ringattn_cast(src, (void*)Origin(source, from), dst, (void*)Origin(destination, to), _stream));
        }
    }

    public void Accumulate(DeviceTensor accumulator, in TensorRegion to, DeviceTensor source, in TensorRegion from)
    {
        Check(source, from, accumulator, to);
        fixed (ringattn_tensor_desc* acc = &_a, src = &_b)
        {
            Describe(acc, to, accumulator.ElementType);
            Describe(src, from, source.ElementType);
            ShimStatus.Check(NativeMethods.ringattn_accumulate(acc, (float*)Origin(accumulator, to), src, (void*)Origin(source, from), _stream));
        }
    }

    private static void Check(DeviceTensor source, in TensorRegion from, DeviceTensor destination, in TensorRegion to)
    {
        from.Validate(nameof(from));
        to.Validate(nameof(to));
        if (!from.SameSizeAs(to))
        {
            throw new ArgumentException($"Regions differ in size: from {from}, to {to}.", nameof(to));
        }

        RequireFrameFits(source, from.Frame, nameof(source));
        RequireFrameFits(destination, to.Frame, nameof(destination));
    }

    private static void RequireFrameFits(DeviceTensor tensor, in TensorFrame frame, string name)
    {
        if (tensor.ElementCount < frame.ElementCount)
        {
            throw new ArgumentException($"{name} holds {tensor.ElementCount} elements, fewer than its frame {frame} ({frame.ElementCount}).", name);
        }
    }

    /// <summary>The address of the region's first element, [0, FirstRow, FirstHead, 0].</summary>
    private static nint Origin(DeviceTensor tensor, in TensorRegion region) => tensor.ElementAddress(region.Offset(0, 0, 0));

    private static void Describe(ringattn_tensor_desc* desc, in TensorRegion region, DeviceElementType type)
    {
        TensorFrame f = region.Frame;
        desc->dims[0] = f.Batch;
        desc->dims[1] = region.HeadCount;
        desc->dims[2] = region.RowCount;
        desc->dims[3] = f.HeadDim;
        desc->strides[0] = f.BatchStride;
        desc->strides[1] = f.HeadStride;
        desc->strides[2] = f.RowStride * region.RowStep;
        desc->strides[3] = 1;
        desc->dtype = NativeCodes.DataType(type);
    }
}
