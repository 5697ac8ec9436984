using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Backends;
using RingAttention.Cuda;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;

namespace RingAttention.Benchmarks;

/// <summary>
/// For benchmarks: everything one rank of a ring does — the real <see cref="RingLoop{TTensor}"/> with the real cuDNN
/// kernel, merges and accumulations on that rank's own buffers — with a transport whose Start and Wait do nothing, alone
/// on the GPU. Its time is the rank's critical path without transfers: what a real N-GPU run would take per rank if
/// every exchange were hidden. The buffers keep whatever they hold (timing does not depend on values); every one is
/// filled with random data once so that no NaN or denormal path is taken.
/// <para>
/// <see cref="ForFullSequence"/> makes the single-call baseline instead: one cuDNN call over the whole sequence (no ring,
/// no merge), through the same kernel class and the shim, on device buffers.
/// </para>
/// Calls only enqueue work on <see cref="Stream"/>; <see cref="Synchronize"/> waits for it. One call at a time.
/// </summary>
internal sealed class CudaRankReplay : IDisposable
{
    private const int RandomBlockElements = 1 << 20;

    private readonly List<DeviceBuffer> _buffers = [];
    private readonly CudaRank? _rank;
    private readonly CudnnBlockAttention? _kernel;
    private readonly SafeCudaStreamHandle? _stream;
    private readonly BlockTask _task;
    private readonly long _memoryBytes;
    private readonly int _previousDevice;
    private DeviceTensor _query, _key, _value, _output, _lse, _outputGradient, _queryGradient, _keyGradient, _valueGradient;

    private CudaRankReplay(CudaAttentionContext context, RingProblem problem, DeviceElementType elementType, int rank, bool recordTimeline)
    {
        ArgumentNullException.ThrowIfNull(context);
        CudaProblemChecks.Validate(problem, elementType);
        problem.ValidateRank(rank);
        Problem = problem;
        Rank = rank;
        Device = context.Device;
        _previousDevice = CudaCalls.GetDevice();
        CudaCalls.SetDevice(Device);
        try
        {
            var geometry = new CudaTensorGeometry(problem, elementType);
            Func<RankStreams, RankTimelineRecorder?, IRingTransport<DeviceTensor>> transport = (_, _) => new SilentTransport(rank, problem.RingSize);
            _rank = new CudaRank(problem, geometry, context, Device, rank, transport, recordTimeline, NullLogger.Instance);
            _memoryBytes = _rank.DeviceMemoryBytes;
            AllocateCallerTensors(geometry, elementType);

            // Every ring buffer (travelling blocks and accumulators included) starts from finite random values.
            RingWorkspace<DeviceTensor> ws = _rank.Workspace;
            DeviceTensor[] scratch =
            [
                ws.OwnKeyValue, ws.KeyValueA, ws.KeyValueB, ws.OutputAccumulator, ws.LseAccumulator,
                ws.PartialsA.Output, ws.PartialsA.Lse, ws.PartialsA.KeyValueGradient,
                ws.PartialsB.Output, ws.PartialsB.Lse, ws.PartialsB.KeyValueGradient,
                ws.QueryGradientAccumulator, ws.OwnKeyValueGradient, ws.KeyValueGradientA, ws.KeyValueGradientB,
            ];
            int seed = 1000 * (rank + 1);
            foreach (DeviceTensor tensor in scratch)
            {
                FillRandom(tensor, Device, seed++);
            }

            // One forward gives the backward a consistent O and LSE; one backward warms everything up.
            Forward();
            Backward();
            Synchronize();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private CudaRankReplay(CudaAttentionContext context, RingProblem problem, DeviceElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(context);
        RingProblem full = problem with { RingSize = 1, Balance = LoadBalancing.None };
        CudaProblemChecks.Validate(full, elementType);
        Problem = full;
        Device = context.Device;
        _previousDevice = CudaCalls.GetDevice();
        CudaCalls.SetDevice(Device);
        try
        {
            var geometry = new CudaTensorGeometry(full, elementType);
            _stream = CudaCalls.CreateStream();
            AllocateCallerTensors(geometry, elementType);
            int length = full.SequenceLength;
            _task = new BlockTask(0, RowRange.All(length), RowRange.All(length), full.Mask == AttentionMask.Causal ? BlockMask.Causal : BlockMask.None);
            _kernel = new CudnnBlockAttention(geometry, context, _stream);
            long workspace = _kernel.WorkspaceBytesFor(_task);
            if (workspace > 0)
            {
                DeviceTensor tensor = New((workspace + 1) / 2, DeviceElementType.BFloat16);
                CudaCalls.Fill(tensor.Pointer, 0, tensor.Bytes, _stream);
                _kernel.Workspace = tensor;
                _memoryBytes = tensor.Bytes;
            }

            Forward();
            Backward();
            Synchronize();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The replayed problem (RingSize 1 for the baseline).</summary>
    public RingProblem Problem { get; }

    /// <summary>The replayed rank (0 for the baseline).</summary>
    public int Rank { get; }

    /// <summary>The CUDA device.</summary>
    public int Device { get; }

    /// <summary>
    /// Device memory the rank's plan holds (ring buffers and cuDNN workspace, as <see cref="CudaRingAttention.DeviceMemoryPerRankBytes"/>);
    /// for the baseline, its cuDNN workspace. The caller's tensors (Q, K, V, O, LSE and gradients) are not counted.
    /// </summary>
    public long DeviceMemoryBytes => _memoryBytes;

    /// <summary>The stream the work is enqueued on (the rank's compute stream).</summary>
    public nint Stream => (_rank?.ComputeStream ?? _stream!).DangerousGetHandle();

    /// <summary>The whole ring schedule of one rank, forward, on <see cref="Problem"/>. Transfers are skipped.</summary>
    /// <param name="problem">The problem of every rank of the ring.</param>
    /// <param name="rank">The rank to replay.</param>
    /// <param name="context">cuDNN context (graph cache) of the device.</param>
    /// <param name="elementType">BFloat16 or Float16.</param>
    /// <param name="recordTimeline">Record each kernel and accumulation-stream operation (<see cref="ReadTimeline"/>).</param>
    public static CudaRankReplay ForRank(
        RingProblem problem, int rank, CudaAttentionContext context, DeviceElementType elementType = DeviceElementType.BFloat16, bool recordTimeline = false) =>
        new(context, problem, elementType, rank, recordTimeline);

    /// <summary>The single-call baseline: one cuDNN call over the full sequence of <paramref name="problem"/> (RingSize and Balance ignored).</summary>
    public static CudaRankReplay ForFullSequence(RingProblem problem, CudaAttentionContext context, DeviceElementType elementType = DeviceElementType.BFloat16) =>
        new(context, problem, elementType);

    /// <summary>The ring ranks whose replay is the slowest: both ends for dual-chunk, the last rank otherwise.</summary>
    public static IReadOnlyList<int> SlowestRankCandidates(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int last = problem.RingSize - 1;
        return problem.Mask == AttentionMask.Causal && problem.Balance == LoadBalancing.DualChunk && last > 0 ? [0, last] : [last];
    }

    /// <summary>Enqueues one forward.</summary>
    public void Forward()
    {
        if (_rank is not null)
        {
            _rank.Forward(_query, _key, _value, _output, _lse, entry: null);
        }
        else
        {
            _kernel!.Forward(_task, _query, new KeyValuePlanes<DeviceTensor>(_key, _value), _output, _lse);
        }
    }

    /// <summary>Enqueues one backward (from the O and LSE of the construction's forward).</summary>
    public void Backward()
    {
        if (_rank is not null)
        {
            _rank.Backward(_query, _key, _value, _output, _lse, _outputGradient, _queryGradient, _keyGradient, _valueGradient, entry: null);
        }
        else
        {
            _kernel!.Backward(
                _task, _query, new KeyValuePlanes<DeviceTensor>(_key, _value), _output, _outputGradient, _lse,
                _queryGradient, new KeyValuePlanes<DeviceTensor>(_keyGradient, _valueGradient));
        }
    }

    /// <summary>The intervals of the last call (waits for them); needs recordTimeline. Times count from the call's start.</summary>
    public RingTimeline ReadTimeline()
    {
        RankTimelineRecorder timeline = _rank?.Timeline
            ?? throw new InvalidOperationException("This replay records no timeline: make it with recordTimeline: true.");
        CudaCalls.SynchronizeEvent(_rank.Exit);
        var intervals = new List<RingTimelineInterval>();
        timeline.Read(intervals, 0);
        return new RingTimeline(intervals);
    }

    /// <summary>Waits for everything enqueued so far.</summary>
    public void Synchronize() => CudaCalls.Synchronize(_rank?.ComputeStream ?? _stream!);

    /// <summary>
    /// Fills <paramref name="tensor"/> with finite random values (uniform in [-1, 1), for half types rounded to the type)
    /// and waits: a random block is uploaded and then repeated by device copies, so large tensors fill fast.
    /// </summary>
    public static unsafe void FillRandom(DeviceTensor tensor, int device, int seed)
    {
        if (tensor.IsNull || tensor.Bytes == 0)
        {
            return;
        }

        int previous = CudaCalls.GetDevice();
        CudaCalls.SetDevice(device);
        try
        {
            using SafeCudaStreamHandle stream = CudaCalls.CreateStream();
            long total = tensor.ElementCount;
            int count = (int)Math.Min(total, RandomBlockElements);
            var random = new Random(seed);
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = (float)((random.NextDouble() * 2) - 1);
            }

            int size = DeviceElementTypes.SizeOf(tensor.ElementType);
            if (tensor.ElementType == DeviceElementType.Float32)
            {
                fixed (float* data = values)
                {
                    CudaCalls.CopyHostToDevice(tensor.Pointer, data, (long)count * size, stream);
                    CudaCalls.Synchronize(stream);
                }
            }
            else
            {
                var bits = new ushort[count];
                HostPrecision.Encode(values, bits, tensor.ElementType);
                fixed (ushort* data = bits)
                {
                    CudaCalls.CopyHostToDevice(tensor.Pointer, data, (long)count * size, stream);
                    CudaCalls.Synchronize(stream);
                }
            }

            // Doubling copies: [0, filled) → [filled, 2·filled).
            long filled = count;
            while (filled < total)
            {
                long chunk = Math.Min(filled, total - filled);
                CudaCalls.CopyDeviceToDevice(tensor.ElementAddress(filled), tensor.Pointer, chunk * size, stream);
                filled += chunk;
            }

            CudaCalls.Synchronize(stream);
        }
        finally
        {
            CudaCalls.SetDevice(previous);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_stream is { IsClosed: false })
        {
            _ = SafeSynchronize(_stream);
        }

        _rank?.Dispose();
        foreach (DeviceBuffer buffer in _buffers)
        {
            buffer.Dispose();
        }

        _buffers.Clear();
        _stream?.Dispose();
        try
        {
            CudaCalls.SetDevice(_previousDevice);
        }
        catch (RingAttentionNativeException)
        {
            // Leaving the device as it is beats hiding the original failure.
        }
    }

    private static unsafe int SafeSynchronize(SafeCudaStreamHandle stream) => NativeMethods.ringattn_cuda_stream_synchronize(stream);

    private void AllocateCallerTensors(CudaTensorGeometry geometry, DeviceElementType elementType)
    {
        long plane = geometry.KeyValuePlaneElements;
        _query = New(geometry.QueryElements, elementType);
        _key = New(plane, elementType);
        _value = New(plane, elementType);
        _output = New(geometry.QueryElements, elementType);
        _lse = New(geometry.LseElements, DeviceElementType.Float32);
        _outputGradient = New(geometry.QueryElements, elementType);
        _queryGradient = New(geometry.QueryElements, elementType);
        _keyGradient = New(plane, elementType);
        _valueGradient = New(plane, elementType);
        FillRandom(_query, Device, 1);
        FillRandom(_key, Device, 2);
        FillRandom(_value, Device, 3);
        FillRandom(_outputGradient, Device, 4);
    }

    private DeviceTensor New(long elements, DeviceElementType type)
    {
        DeviceBuffer buffer = DeviceBuffer.Allocate(elements, type, Device);
        _buffers.Add(buffer);
        return buffer.Tensor;
    }

    /// <summary>A transport that moves nothing: every rank keeps computing on the buffers it has.</summary>
    private sealed class SilentTransport(int rank, int size) : IRingTransport<DeviceTensor>, IDisposable
    {
        public int Rank { get; } = rank;

        public int Size { get; } = size;

        public void Start(RingChannel channel, RingDirection direction, DeviceTensor send, DeviceTensor receive)
        {
        }

        public void Wait(RingChannel channel)
        {
        }

        public void Dispose()
        {
        }
    }
}
