using System.Globalization;
using RingAttention.Backends;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// The ring's element-wise operations on one rank's compute stream: K/V packing by device copies, the exact LSE merge,
/// gradient accumulation and the casts out, through the shim's CUDA kernels. Accumulators are fp32; a source of an
/// accumulation may be in the compute precision or fp32 (its <see cref="DeviceTensor.ElementType"/> says which).
/// </summary>
internal sealed unsafe class CudaElementwiseOps : IRingElementwiseOps<DeviceTensor>
{
    private readonly CudaTensorGeometry _g;
    private readonly SafeCudaStreamHandle _stream;
    private ringattn_tensor_desc _a;
    private ringattn_tensor_desc _b;

    public CudaElementwiseOps(CudaTensorGeometry geometry, SafeCudaStreamHandle stream)
    {
        _g = geometry;
        _stream = stream;
    }

    public void PackKeyValue(DeviceTensor key, DeviceTensor value, DeviceTensor keyValue)
    {
        long plane = _g.KeyValuePlaneElements * DeviceElementTypes.SizeOf(keyValue.ElementType);
        CudaCalls.CopyDeviceToDevice(keyValue.Pointer, key.Pointer, plane, _stream);
        CudaCalls.CopyDeviceToDevice(keyValue.Pointer + (nint)plane, value.Pointer, plane, _stream);
    }

    public void UnpackKeyValueGradient(DeviceTensor keyValueGradient, DeviceTensor keyGradient, DeviceTensor valueGradient)
    {
        RingProblem p = _g.Problem;
        fixed (ringattn_tensor_desc* src = &_a, dst = &_b)
        {
            _g.Describe(src, p.KeyValueHeads, _g.Length, _g.KeyValue, keyValueGradient.ElementType);
            _g.Describe(dst, p.KeyValueHeads, _g.Length, _g.KeyValue, keyGradient.ElementType);
            ShimStatus.Check(NativeMethods.ringattn_cast(src, (void*)_g.KeyValueRow(keyValueGradient, 0, 0), dst, (void*)keyGradient.Pointer, _stream));
            dst->dtype = DeviceElementTypes.ToNative(valueGradient.ElementType);
            ShimStatus.Check(NativeMethods.ringattn_cast(src, (void*)_g.KeyValueRow(keyValueGradient, 1, 0), dst, (void*)valueGradient.Pointer, _stream));
        }
    }

    public void InitializeOutputAccumulator(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator)
    {
        fixed (ringattn_tensor_desc* acc = &_a)
        {
            _g.Describe(acc, _g.Problem.QueryHeads, _g.Length, _g.Query, DeviceElementType.Float32);
            ShimStatus.Check(NativeMethods.ringattn_merge_init(acc, (float*)outputAccumulator.Pointer, (float*)lseAccumulator.Pointer, _stream));
        }
    }

    public void MergePartialOutput(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator, DeviceTensor partialOutput, DeviceTensor partialLse, RowRange rows)
    {
        int heads = _g.Problem.QueryHeads;
        fixed (ringattn_tensor_desc* part = &_a, acc = &_b)
        {
            // The partial O holds rows [start, end) in place; its LSE is packed [B, Hq, count] at the buffer's start.
            _g.Describe(part, heads, rows.Count, _g.Query, partialOutput.ElementType);
            _g.Describe(acc, heads, _g.Length, _g.Query, DeviceElementType.Float32);
            ShimStatus.Check(NativeMethods.ringattn_lse_merge(
                part,
                (void*)_g.QueryRow(partialOutput, rows.Start),
                (float*)partialLse.Pointer,
                acc,
                (float*)outputAccumulator.Pointer,
                (float*)lseAccumulator.Pointer,
                rows.Start,
                _stream));
        }
    }

    public void FinalizeOutput(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator, DeviceTensor output, DeviceTensor lse)
    {
        int heads = _g.Problem.QueryHeads;
        fixed (ringattn_tensor_desc* acc = &_a, dst = &_b)
        {
            _g.Describe(acc, heads, _g.Length, _g.Query, DeviceElementType.Float32);
            _g.Describe(dst, heads, _g.Length, _g.Query, output.ElementType);
            ShimStatus.Check(NativeMethods.ringattn_merge_finalize(acc, (float*)outputAccumulator.Pointer, (float*)lseAccumulator.Pointer, dst, (void*)output.Pointer, _stream));
        }

        CudaCalls.CopyDeviceToDevice(lse.Pointer, lseAccumulator.Pointer, _g.LseBytes, _stream);
    }

    public void Zero(DeviceTensor accumulator) => CudaCalls.Fill(accumulator.Pointer, 0, accumulator.Bytes, _stream);

    public void AccumulateQueryRows(DeviceTensor accumulator, DeviceTensor blockGradient, RowRange rows) =>
        Accumulate(_g.Problem.QueryHeads, _g.Query, _g.QueryRow(accumulator, rows.Start), blockGradient.ElementType, _g.QueryRow(blockGradient, rows.Start), rows.Count);

    public void AccumulateKeyValueRows(DeviceTensor accumulator, DeviceTensor blockGradient, RowRange rows)
    {
        int heads = _g.Problem.KeyValueHeads;
        for (int plane = 0; plane < 2; plane++)
        {
            Accumulate(heads, _g.KeyValue, _g.KeyValueRow(accumulator, plane, rows.Start), blockGradient.ElementType, _g.KeyValueRow(blockGradient, plane, rows.Start), rows.Count);
        }
    }

    public void FinalizeQueryGradient(DeviceTensor accumulator, DeviceTensor queryGradient)
    {
        int heads = _g.Problem.QueryHeads;
        fixed (ringattn_tensor_desc* src = &_a, dst = &_b)
        {
            _g.Describe(src, heads, _g.Length, _g.Query, DeviceElementType.Float32);
            _g.Describe(dst, heads, _g.Length, _g.Query, queryGradient.ElementType);
            ShimStatus.Check(NativeMethods.ringattn_cast(src, (void*)accumulator.Pointer, dst, (void*)queryGradient.Pointer, _stream));
        }
    }

    private void Accumulate(int heads, in Strides4 strides, nint accumulator, DeviceElementType sourceType, nint source, int rows)
    {
        if (rows <= 0)
        {
            return;
        }

        fixed (ringattn_tensor_desc* acc = &_a, src = &_b)
        {
            _g.Describe(acc, heads, rows, strides, DeviceElementType.Float32);
            _g.Describe(src, heads, rows, strides, sourceType);
            ShimStatus.Check(NativeMethods.ringattn_accumulate(acc, (float*)accumulator, src, (void*)source, _stream));
        }
    }

    /// <summary>For messages: the problem's local shape.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"CUDA ops B={_g.Problem.BatchSize} L={_g.Length} Hq={_g.Problem.QueryHeads} Hkv={_g.Problem.KeyValueHeads} D={_g.Problem.HeadDim} {_g.ElementType}");
}
