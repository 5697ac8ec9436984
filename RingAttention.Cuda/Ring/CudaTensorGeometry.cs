using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// Where everything lives in one rank's device buffers: strides of Q-like and K/V-like tensors in the problem's
/// layout, plane offsets of stacked K/V buffers, and byte sizes in the compute and accumulator precisions.
/// </summary>
internal sealed class CudaTensorGeometry
{
    public CudaTensorGeometry(RingProblem problem, DeviceElementType elementType)
    {
        Problem = problem;
        ElementType = elementType;
        ElementSize = DeviceElementTypes.SizeOf(elementType);
        Length = problem.LocalLength;
        Query = Strides4.For(problem.Layout, problem.BatchSize, Length, problem.QueryHeads, problem.HeadDim);
        KeyValue = Strides4.For(problem.Layout, problem.BatchSize, Length, problem.KeyValueHeads, problem.HeadDim);
        QueryElements = problem.LocalQueryElements;
        KeyValuePlaneElements = problem.LocalKeyValueElements;
        LseElements = problem.LocalLseElements;
    }

    public RingProblem Problem { get; }

    /// <summary>The compute (input/output) precision.</summary>
    public DeviceElementType ElementType { get; }

    /// <summary>Bytes per element of <see cref="ElementType"/>.</summary>
    public int ElementSize { get; }

    /// <summary>L, rows per rank.</summary>
    public int Length { get; }

    /// <summary>Strides of Q, O, dO, dQ and of their fp32 accumulators.</summary>
    public Strides4 Query { get; }

    /// <summary>Strides of one plane (K or V) of a stacked K/V buffer.</summary>
    public Strides4 KeyValue { get; }

    public long QueryElements { get; }

    /// <summary>Elements of one plane; V starts at this element offset in a stacked buffer.</summary>
    public long KeyValuePlaneElements { get; }

    public long LseElements { get; }

    /// <summary>Bytes of a Q-shaped tensor in the compute precision.</summary>
    public long QueryBytes => QueryElements * ElementSize;

    /// <summary>Bytes of K (or V) in the compute precision.</summary>
    public long KeyValuePlaneBytes => KeyValuePlaneElements * ElementSize;

    /// <summary>Bytes of a stacked K/V block in the compute precision.</summary>
    public long StackedKeyValueBytes => 2 * KeyValuePlaneBytes;

    /// <summary>Bytes of an fp32 [B, Hq, L] LSE.</summary>
    public long LseBytes => LseElements * sizeof(float);

    /// <summary>Bytes of an fp32 Q-shaped accumulator.</summary>
    public long QueryAccumulatorBytes => QueryElements * sizeof(float);

    /// <summary>Bytes of an fp32 stacked dK/dV accumulator.</summary>
    public long StackedKeyValueAccumulatorBytes => 2 * KeyValuePlaneElements * sizeof(float);

    /// <summary>Address of row <paramref name="row"/> (head 0, batch 0) of a Q-like tensor.</summary>
    public nint QueryRow(DeviceTensor tensor, int row) =>
        tensor.Pointer + (nint)(row * Query.S * DeviceElementTypes.SizeOf(tensor.ElementType));

    /// <summary>Address of row <paramref name="row"/> (head 0, batch 0) of one K-shaped plane (K, V, dK, dV or a plane of an accumulator).</summary>
    public nint KeyValueRow(DeviceTensor plane, int row) =>
        plane.Pointer + (nint)(row * KeyValue.S * DeviceElementTypes.SizeOf(plane.ElementType));

    /// <summary>The two planes of a stacked K/V (or dK/dV) tensor: K (or dK) first, V (or dV) right after it.</summary>
    public KeyValuePlanes<DeviceTensor> Planes(DeviceTensor stacked) =>
        new(stacked.Slice(0, KeyValuePlaneElements), stacked.Slice(KeyValuePlaneElements, KeyValuePlaneElements));

    /// <summary>Fills a tensor descriptor [B, heads, rows, D] with the given strides and element type.</summary>
    public unsafe void Describe(ringattn_tensor_desc* desc, int heads, int rows, in Strides4 strides, DeviceElementType type)
    {
        desc->dims[0] = Problem.BatchSize;
        desc->dims[1] = heads;
        desc->dims[2] = rows;
        desc->dims[3] = Problem.HeadDim;
        strides.CopyTo(desc->strides);
        desc->dtype = NativeCodes.DataType(type);
    }
}
