using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;
using RingAttention.Cuda.Transport;
using RingAttention.Interop;
using static System.FormattableString;

namespace RingAttention.Cuda;

/// <summary>
/// One rank of a ring with one rank per GPU, exchanging through NCCL. Every rank (thread or process) builds its own
/// plan with the same problem and its communicator, then calls <see cref="Forward"/> / <see cref="Backward"/> with its
/// own shard; all ranks must make the same calls in the same order. Calls after the constructor allocate nothing.
/// </summary>
public sealed class CudaRingRank : IDisposable
{
    private readonly CudaRank _rank;
    private readonly NcclGroupLinks? _links;
    private readonly DeviceBundleChecks _checks;
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
                Invariant($"The communicator has {communicator.Size} ranks but the problem's RingSize is {problem.RingSize}."), nameof(communicator));
        }

        options ??= new CudaRingOptions();
        if (options.Context is not null && options.Context.Device != communicator.Device)
        {
            throw new ArgumentException(
                Invariant($"The shared context is on device {options.Context.Device} but the communicator is on device {communicator.Device}."), nameof(options));
        }

        Problem = problem;
        ElementType = elementType;
        Device = communicator.Device;
        var geometry = new CudaTensorGeometry(problem, elementType);
        _checks = new DeviceBundleChecks(geometry, communicator.Rank);
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;

        using var scope = new DeviceScope(Device);
        try
        {
            _ownsContext = options.Context is null;
            _context = options.Context ?? new CudaAttentionContext(Device);
            _entry = CudaCalls.CreateEvent();
            _rank = new CudaRank(
                problem, geometry, _context, Device, communicator.Rank,
                _links = new NcclGroupLinks(communicator),
                options.RecordTimeline, loggers.CreateLogger("RingAttention.Cuda.RingLoop"));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The planned problem.</summary>
    public RingProblem Problem { get; }

    /// <summary>The communicators this rank split from its own for the strategy's smaller groups, made at plan time.</summary>
    internal IReadOnlyCollection<NcclCommunicator> GroupCommunicators => _links?.Splits ?? [];

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
    public void Forward(ForwardTensors<DeviceTensor> tensors, nint stream = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        tensors.CheckEach(_checks);
        using var scope = new DeviceScope(Device);
        SafeCudaStreamHandle caller = Enter(stream);
        try
        {
            _rank.Forward(tensors, _entry);
        }
        finally
        {
            CudaCalls.Wait(caller, _rank.Exit);
        }
    }

    /// <summary>This rank's backward (see <see cref="Forward"/>).</summary>
    public void Backward(BackwardTensors<DeviceTensor> tensors, nint stream = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        tensors.CheckEach(_checks);
        using var scope = new DeviceScope(Device);
        SafeCudaStreamHandle caller = Enter(stream);
        try
        {
            _rank.Backward(tensors, _entry);
        }
        finally
        {
            CudaCalls.Wait(caller, _rank.Exit);
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
        _links?.Dispose(); // the split communicators of the strategy's groups, after the rank's streams are drained
        _callerStream.Dispose();
        _entry?.Dispose();
        if (_ownsContext)
        {
            _context?.Dispose();
        }
    }

    /// <summary>Orders the call after what <paramref name="stream"/> holds; the rank's device is current.</summary>
    private SafeCudaStreamHandle Enter(nint stream)
    {
        SafeCudaStreamHandle caller = _callerStream.Get(stream);
        CudaCalls.Record(_entry, caller);
        return caller;
    }
}
