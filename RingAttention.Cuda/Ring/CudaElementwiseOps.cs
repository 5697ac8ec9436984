using System.Globalization;
using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// The ring's element-wise operations on one rank's accumulation stream (<see cref="RankStreams"/>): K/V packing by
/// device copies, the exact LSE merge, gradient accumulation and the casts out, through the shim's CUDA kernels. Each
/// starts after everything the compute stream holds, and each that reads a step's partial releases it for the kernel
/// two steps on. Accumulators are fp32; a source of an accumulation may be in the compute precision or fp32 (its
/// <see cref="DeviceTensor.ElementType"/> says which).
/// </summary>
internal sealed unsafe class CudaElementwiseOps : IRingElementwiseOps<DeviceTensor>
{
    private readonly CudaTensorGeometry _g;
    private readonly RankStreams _streams;
    private readonly SafeCudaStreamHandle _stream;
    private ringattn_tensor_desc _a;
    private ringattn_tensor_desc _b;

    public CudaElementwiseOps(CudaTensorGeometry geometry, RankStreams streams)
    {
        _g = geometry;
        _streams = streams;
        _stream = streams.Accumulation;
    }

    public void PackKeyValue(DeviceTensor key, DeviceTensor value, DeviceTensor keyValue)
    {
        _streams.AccumulationAfterCompute();
        KeyValuePlanes<DeviceTensor> planes = Planes(keyValue);
        CudaCalls.CopyDeviceToDevice(planes.Key.Pointer, key.Pointer, planes.Key.Bytes, _stream);
        CudaCalls.CopyDeviceToDevice(planes.Value.Pointer, value.Pointer, planes.Value.Bytes, _stream);
    }

    public KeyValuePlanes<DeviceTensor> Planes(DeviceTensor stacked) => _g.Planes(stacked);

    public void InitializeOutputAccumulator(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator)
    {
        _streams.AccumulationAfterCompute();
        fixed (ringattn_tensor_desc* acc = &_a)
        {
            _g.Describe(acc, _g.Problem.QueryHeads, _g.Length, _g.Query, DeviceElementType.Float32);
            ShimStatus.Check(NativeMethods.ringattn_merge_init(acc, (float*)outputAccumulator.Pointer, (float*)lseAccumulator.Pointer, _stream));
        }
    }

    public void MergePartialOutput(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator, DeviceTensor partialOutput, DeviceTensor partialLse, RowRange rows)
    {
        _streams.AccumulationAfterCompute();
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

        _streams.ReleaseAfterAccumulation(partialOutput.Pointer);
        _streams.ReleaseAfterAccumulation(partialLse.Pointer);
    }

    public void FinalizeOutput(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator, DeviceTensor output, DeviceTensor lse)
    {
        _streams.AccumulationAfterCompute();
        int heads = _g.Problem.QueryHeads;
        fixed (ringattn_tensor_desc* acc = &_a, dst = &_b)
        {
            _g.Describe(acc, heads, _g.Length, _g.Query, DeviceElementType.Float32);
            _g.Describe(dst, heads, _g.Length, _g.Query, output.ElementType);
            ShimStatus.Check(NativeMethods.ringattn_merge_finalize(acc, (float*)outputAccumulator.Pointer, (float*)lseAccumulator.Pointer, dst, (void*)output.Pointer, _stream));
        }

        CudaCalls.CopyDeviceToDevice(lse.Pointer, lseAccumulator.Pointer, _g.LseBytes, _stream);
    }

    public void Zero(DeviceTensor accumulator)
    {
        _streams.AccumulationAfterCompute();
        CudaCalls.Fill(accumulator.Pointer, 0, accumulator.Bytes, _stream);
    }

    public void AccumulateQueryRows(DeviceTensor accumulator, DeviceTensor blockGradient, RowRange rows)
    {
        _streams.AccumulationAfterCompute();
        Accumulate(_g.Problem.QueryHeads, _g.Query, _g.QueryRow(accumulator, rows.Start), blockGradient.ElementType, _g.QueryRow(blockGradient, rows.Start), rows.Count);
        _streams.ReleaseAfterAccumulation(blockGradient.Pointer);
    }

    public void AccumulateKeyValueRows(DeviceTensor accumulator, DeviceTensor blockGradient, RowRange rows)
    {
        _streams.AccumulationAfterCompute();
        int heads = _g.Problem.KeyValueHeads;
        KeyValuePlanes<DeviceTensor> sums = Planes(accumulator);
        KeyValuePlanes<DeviceTensor> parts = Planes(blockGradient);
        Accumulate(heads, _g.KeyValue, _g.KeyValueRow(sums.Key, rows.Start), blockGradient.ElementType, _g.KeyValueRow(parts.Key, rows.Start), rows.Count);
        Accumulate(heads, _g.KeyValue, _g.KeyValueRow(sums.Value, rows.Start), blockGradient.ElementType, _g.KeyValueRow(parts.Value, rows.Start), rows.Count);
        _streams.ReleaseAfterAccumulation(blockGradient.Pointer);
    }

    public void FinalizeQueryGradient(DeviceTensor accumulator, DeviceTensor queryGradient)
    {
        _streams.AccumulationAfterCompute();
        Cast(_g.Problem.QueryHeads, _g.Query, accumulator, queryGradient);
    }

    public void FinalizeKeyValueGradient(DeviceTensor accumulator, DeviceTensor keyGradient, DeviceTensor valueGradient)
    {
        _streams.AccumulationAfterCompute();
        KeyValuePlanes<DeviceTensor> sums = Planes(accumulator);
        Cast(_g.Problem.KeyValueHeads, _g.KeyValue, sums.Key, keyGradient);
        Cast(_g.Problem.KeyValueHeads, _g.KeyValue, sums.Value, valueGradient);
    }

    private void Cast(int heads, in Strides4 strides, DeviceTensor source, DeviceTensor destination)
    {
        fixed (ringattn_tensor_desc* src = &_a, dst = &_b)
        {
            _g.Describe(src, heads, _g.Length, strides, source.ElementType);
            _g.Describe(dst, heads, _g.Length, strides, destination.ElementType);
            ShimStatus.Check(NativeMethods.ringattn_cast(src, (void*)source.Pointer, dst, (void*)destination.Pointer, _stream));
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
