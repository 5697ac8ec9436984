using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;
using RingAttention.Cuda.Transport;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// One rank of a ring with one rank per GPU, exchanging through NCCL. Every rank (thread or process) builds its own
/// plan with the same problem and its communicator, then calls <see cref="Forward"/> / <see cref="Backward"/> with its
/// own shard; all ranks must make the same calls in the same order. Calls after the constructor allocate nothing.
/// </summary>
public sealed class CudaRingRank : IDisposable
{
    private readonly CudaRank _rank;
    private readonly CudaTensorGeometry _geometry;
    private readonly CudaAttentionContext _context;
    private readonly bool _ownsContext;
    private readonly SafeCudaEventHandle _entry;
    private readonly BorrowedStream _callerStream = new();
    private bool _disposed;

    /// <summary>Plans rank <see cref="NcclCommunicator.Rank"/> of <paramref name="problem"/> on the communicator's device.</summary>
    public CudaRingRank(RingProblem problem, DeviceElementType elementType, NcclCommunicator communicator, CudaRingOptions? options = null)
    {
        CudaProblemChecks.Validate(problem, elementType);
        ArgumentNullException.ThrowIfNull(communicator);
        if (communicator.Size != problem.RingSize)
        {
            throw new ArgumentException(
                CudaProblemChecks.Text($"The communicator has {communicator.Size} ranks but the problem's RingSize is {problem.RingSize}."), nameof(communicator));
        }

        options ??= new CudaRingOptions();
        if (options.Context is not null && options.Context.Device != communicator.Device)
        {
            throw new ArgumentException(
                CudaProblemChecks.Text($"The shared context is on device {options.Context.Device} but the communicator is on device {communicator.Device}."), nameof(options));
        }

        Problem = problem;
        ElementType = elementType;
        Device = communicator.Device;
        _geometry = new CudaTensorGeometry(problem, elementType);
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;

        int previous = CudaCalls.GetDevice();
        CudaCalls.SetDevice(Device);
        try
        {
            _ownsContext = options.Context is null;
            _context = options.Context ?? new CudaAttentionContext(Device);
            _entry = CudaCalls.CreateEvent();
            _rank = new CudaRank(
                problem, _geometry, _context, Device, communicator.Rank,
                (streams, timeline) => new NcclRingTransport(communicator, streams, timeline),
                options.RecordTimeline, loggers.CreateLogger("RingAttention.Cuda.RingLoop"));
        }
        catch
        {
            Dispose();
            throw;
        }
        finally
        {
            CudaCalls.SetDevice(previous);
        }
    }

    /// <summary>The planned problem.</summary>
    public RingProblem Problem { get; }

    /// <summary>The element type of Q, K, V, O, dO, dQ, dK and dV.</summary>
    public DeviceElementType ElementType { get; }

    /// <summary>This rank's CUDA device.</summary>
    public int Device { get; }

    /// <summary>This rank.</summary>
    public int Rank => _rank.Rank;

    /// <summary>The cuDNN context (graph cache) the rank runs on.</summary>
    public CudaAttentionContext Context => _context;

    /// <summary>Device memory the plan holds: ring buffers and cuDNN workspace (not the caller's tensors).</summary>
    public long DeviceMemoryBytes => _rank?.DeviceMemoryBytes ?? 0;

    /// <summary>
    /// This rank's forward on its shard (load-balanced order, the problem's layout), ordered on <paramref name="stream"/>
    /// (a cudaStream_t on this rank's device; 0 is the legacy default stream). Returns once everything is enqueued.
    /// </summary>
    public void Forward(DeviceTensor query, DeviceTensor key, DeviceTensor value, DeviceTensor output, DeviceTensor lse, nint stream = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckForwardTensors(query, key, value, output, lse);
        int previous = CudaCalls.GetDevice();
        SafeCudaStreamHandle caller = Enter(stream);
        try
        {
            _rank.Forward(query, key, value, output, lse, _entry);
        }
        finally
        {
            CudaCalls.Wait(caller, _rank.Exit);
            CudaCalls.SetDevice(previous);
        }
    }

    /// <summary>This rank's backward (see <see cref="Forward"/>).</summary>
    public void Backward(
        DeviceTensor query,
        DeviceTensor key,
        DeviceTensor value,
        DeviceTensor output,
        DeviceTensor lse,
        DeviceTensor outputGradient,
        DeviceTensor queryGradient,
        DeviceTensor keyGradient,
        DeviceTensor valueGradient,
        nint stream = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckForwardTensors(query, key, value, output, lse);
        CudaRingAttention.CheckTensor(outputGradient, nameof(outputGradient), Rank, _geometry.QueryBytes, ElementType);
        CudaRingAttention.CheckTensor(queryGradient, nameof(queryGradient), Rank, _geometry.QueryBytes, ElementType);
        CudaRingAttention.CheckTensor(keyGradient, nameof(keyGradient), Rank, _geometry.KeyValuePlaneBytes, ElementType);
        CudaRingAttention.CheckTensor(valueGradient, nameof(valueGradient), Rank, _geometry.KeyValuePlaneBytes, ElementType);
        int previous = CudaCalls.GetDevice();
        SafeCudaStreamHandle caller = Enter(stream);
        try
        {
            _rank.Backward(query, key, value, output, lse, outputGradient, queryGradient, keyGradient, valueGradient, _entry);
        }
        finally
        {
            CudaCalls.Wait(caller, _rank.Exit);
            CudaCalls.SetDevice(previous);
        }
    }

    /// <summary>Reads this rank's intervals of the last call (waits for them). Needs <see cref="CudaRingOptions.RecordTimeline"/>.</summary>
    public RingTimeline ReadTimeline()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        RankTimelineRecorder timeline = _rank.Timeline ?? throw new InvalidOperationException("The plan records no timeline: set CudaRingOptions.RecordTimeline.");
        CudaCalls.SynchronizeEvent(_rank.Exit);
        var intervals = new List<RingTimelineInterval>();
        timeline.Read(intervals, 0);
        return new RingTimeline(intervals);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _rank?.Dispose();
        _callerStream.Dispose();
        _entry?.Dispose();
        if (_ownsContext)
        {
            _context?.Dispose();
        }
    }

    private SafeCudaStreamHandle Enter(nint stream)
    {
        CudaCalls.SetDevice(Device);
        SafeCudaStreamHandle caller = _callerStream.Get(stream);
        CudaCalls.Record(_entry, caller);
        return caller;
    }

    /// <summary>The checks the forward and the backward share: this rank's Q, K, V, O and LSE.</summary>
    private void CheckForwardTensors(DeviceTensor query, DeviceTensor key, DeviceTensor value, DeviceTensor output, DeviceTensor lse)
    {
        CudaRingAttention.CheckTensor(query, nameof(query), Rank, _geometry.QueryBytes, ElementType);
        CudaRingAttention.CheckTensor(key, nameof(key), Rank, _geometry.KeyValuePlaneBytes, ElementType);
        CudaRingAttention.CheckTensor(value, nameof(value), Rank, _geometry.KeyValuePlaneBytes, ElementType);
        CudaRingAttention.CheckTensor(output, nameof(output), Rank, _geometry.QueryBytes, ElementType);
        CudaRingAttention.CheckTensor(lse, nameof(lse), Rank, _geometry.LseBytes, DeviceElementType.Float32);
    }
}
