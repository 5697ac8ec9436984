using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// The single-call baseline: attention over a whole sequence as one cuDNN call per pass on one GPU (no ring, no reorder,
/// no merge), through the ring's own kernel class and the shim, on device tensors it owns. <see cref="CudnnFullAttention"/>
/// runs it on host arrays (the yardstick of the ring's precision); the benchmarks time it (the yardstick of its speed).
/// Passes only enqueue work on <see cref="Stream"/>.
/// </summary>
internal sealed class SingleCallAttention : IDisposable
{
    private readonly DeviceBufferSet _buffers;
    private readonly CudnnBlockAttention _kernel = null!;
    private readonly DeviceBuffer? _workspace;
    private readonly BlockTask[] _tasks;
    private readonly DeviceTensor _documentLse;

    /// <param name="context">cuDNN context of the device to run on.</param>
    /// <param name="geometry">The full sequence's geometry, from <see cref="Plan"/>.</param>
    public SingleCallAttention(CudaAttentionContext context, CudaTensorGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(geometry);
        Geometry = geometry;
        Device = context.Device;
        _buffers = new DeviceBufferSet(Device);
        using var scope = new DeviceScope(Device);
        try
        {
            Stream = CudaCalls.CreateStream();
            DeviceElementType half = geometry.ElementType;
            long stacked = 2 * geometry.KeyValuePlaneElements;
            Query = _buffers.Allocate(geometry.QueryElements, half);
            KeyValue = geometry.Planes(_buffers.Allocate(stacked, half));
            Output = _buffers.Allocate(geometry.QueryElements, half);
            Lse = _buffers.Allocate(geometry.LseElements, DeviceElementType.Float32);
            OutputGradient = _buffers.Allocate(geometry.QueryElements, half);
            QueryGradient = _buffers.Allocate(geometry.QueryElements, half);
            KeyValueGradient = geometry.Planes(_buffers.Allocate(stacked, half));

            // The whole sequence under its mask and window; packed documents: one call per document, each its own sequence.
            RingProblem full = geometry.Problem;
            _tasks = full.Documents is null ? [RingSchedule.ForPair(full, 0, 0)] : new StepTaskTable(full, 0).For(0).ToArray();
            _kernel = new CudnnBlockAttention(geometry, context, Stream);
            _workspace = _kernel.AllocateWorkspace(_tasks.Max(t => _kernel.WorkspaceBytesFor(t)), Device);
            if (full.Documents is not null)
            {
                // A call writes its LSE packed [Hq, s_q]; the documents' LSE rows are copied into [Hq, T] from here.
                _documentLse = _buffers.Allocate((long)full.QueryHeads * _tasks.Max(t => t.Query.Count), DeviceElementType.Float32);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Where everything lives: the problem with RingSize 1 and no load balancing.</summary>
    public CudaTensorGeometry Geometry { get; }

    /// <summary>The CUDA device.</summary>
    public int Device { get; }

    /// <summary>The stream every pass and copy is enqueued on.</summary>
    public SafeCudaStreamHandle Stream { get; } = null!;

    /// <summary>Bytes of the cuDNN workspace (the caller-like tensors are not counted).</summary>
    public long WorkspaceBytes => _workspace?.Bytes ?? 0;

    public DeviceTensor Query { get; }

    /// <summary>K and V, the two planes of one stacked buffer, as the ring holds them.</summary>
    public KeyValuePlanes<DeviceTensor> KeyValue { get; }

    public DeviceTensor Output { get; }

    /// <summary>fp32 [B, Hq, S].</summary>
    public DeviceTensor Lse { get; }

    public DeviceTensor OutputGradient { get; }

    public DeviceTensor QueryGradient { get; }

    /// <summary>dK and dV, the two planes of one stacked buffer.</summary>
    public KeyValuePlanes<DeviceTensor> KeyValueGradient { get; }

    /// <summary>
    /// The geometry of <paramref name="problem"/>'s whole sequence in <paramref name="elementType"/> (RingSize and Balance
    /// ignored), after the checks of the GPU path: what a caller checks its inputs against before anything is allocated.
    /// </summary>
    public static CudaTensorGeometry Plan(RingProblem problem, DeviceElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(problem);
        RingProblem full = problem with
        {
            RingSize = 1,
            Balance = LoadBalancing.None,
            Strategy = ContextParallelStrategy.Ring,
            AllToAllSize = 0,
            Documents = problem.Documents is PackedDocuments documents ? new PackedDocuments(documents.Lengths) : null, // no padding on one GPU
        };
        CudaProblemChecks.Validate(full, elementType);
        return new CudaTensorGeometry(full, elementType);
    }

    /// <summary>Enqueues the forward: O and LSE from Q, K and V.</summary>
    public void Forward() => Forward(gatherLse: true);

    /// <summary>
    /// Enqueues the forward's attention calls alone, what the benchmark times: for packed documents each call's LSE
    /// stays in scratch instead of being copied into the [Hq, T] LSE (a one-GPU packed call writes its LSE where it
    /// belongs), which keeps the last <see cref="Forward()"/>'s values, the same on the same inputs.
    /// </summary>
    public void ForwardCalls() => Forward(gatherLse: false);

    /// <summary>Enqueues the backward: dQ, dK and dV from Q, K, V, O, LSE and dO.</summary>
    public void Backward()
    {
        using var scope = new DeviceScope(Device);
        foreach (BlockTask task in _tasks)
        {
            _kernel.Backward(task, new(Query, KeyValue, Output, OutputGradient, Lse, QueryGradient, KeyValueGradient));
        }
    }

    private void Forward(bool gatherLse)
    {
        using var scope = new DeviceScope(Device);
        if (Geometry.Problem.Documents is null)
        {
            _kernel.Forward(_tasks[0], new(Query, KeyValue, Output, Lse));
            return;
        }

        foreach (BlockTask task in _tasks)
        {
            _kernel.Forward(task, new(Query, KeyValue, Output, _documentLse));
            if (gatherLse)
            {
                CopyLseRows(task.Query);
            }
        }
    }

    /// <summary>The packed [Hq, s_q] LSE of one document's call into its rows of the [Hq, T] LSE.</summary>
    private unsafe void CopyLseRows(RowRange rows)
    {
        long heads = Geometry.Problem.QueryHeads;
        ringattn_tensor_desc source = default;
        ringattn_tensor_desc destination = default;
        source.dims[0] = destination.dims[0] = 1;
        source.dims[1] = destination.dims[1] = heads;
        source.dims[2] = destination.dims[2] = rows.Count;
        source.dims[3] = destination.dims[3] = 1;
        source.strides[0] = heads * rows.Count;
        source.strides[1] = rows.Count;
        destination.strides[0] = heads * Geometry.Length;
        destination.strides[1] = Geometry.Length;
        source.strides[2] = destination.strides[2] = 1;
        source.strides[3] = destination.strides[3] = 1;
        source.dtype = destination.dtype = NativeCodes.DataType(DeviceElementType.Float32);
        ShimStatus.Check(NativeMethods.ringattn_cast(
            &source, (void*)_documentLse.Pointer, &destination, (void*)(Lse.Pointer + (rows.Start * sizeof(float))), Stream));
    }

    /// <summary>Uploads <paramref name="source"/> into <paramref name="destination"/>, one of this call's tensors, and waits.</summary>
    public void Upload(ReadOnlySpan<float> source, DeviceTensor destination)
    {
        using var scope = new DeviceScope(Device);
        HostCopies.Upload(source, destination, Stream);
    }

    /// <summary>Waits for the passes enqueued so far and returns <paramref name="source"/>, one of this call's tensors, as float32.</summary>
    public float[] Download(DeviceTensor source)
    {
        using var scope = new DeviceScope(Device);
        return HostCopies.Download(source, Stream);
    }

    /// <summary>Waits for everything enqueued so far.</summary>
    public void Synchronize() => CudaCalls.Synchronize(Stream);

    /// <inheritdoc />
    public unsafe void Dispose()
    {
        // Work may still be queued: wait before the memory goes away (an error here would hide the original one).
        if (Stream is { IsClosed: false })
        {
            _ = NativeMethods.ringattn_cuda_stream_synchronize(Stream);
        }

        _buffers.Dispose();
        _workspace?.Dispose();
        Stream?.Dispose();
    }
}
