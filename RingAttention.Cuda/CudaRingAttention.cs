using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Transport;
using RingAttention.Interop;
using RingAttention.Threading;
using static System.FormattableString;

namespace RingAttention.Cuda;

/// <summary>
/// The ring on one GPU: N virtual ranks, each a thread with its own compute and communication streams and its own
/// buffers, exchanging K/V and dK/dV by device-to-device copies ordered by CUDA events. Plan it once per (problem,
/// element type); the constructor allocates every buffer and builds every cuDNN graph, so calls after it allocate
/// nothing. One call at a time per plan.
/// </summary>
public sealed partial class CudaRingAttention : IRingAttention
{
    private readonly CudaRank[] _ranks;
    private readonly VirtualGroupHubs _hub;
    private readonly FullSequenceSharding _sharding;
    private readonly RankThreads _workers;
    private readonly CudaAttentionContext _context;
    private readonly bool _ownsContext;
    private readonly CudaTensorGeometry _geometry;
    private readonly SafeCudaEventHandle _entry;
    private readonly BorrowedStream _callerStream = new();
    private readonly ILogger _logger;
    private readonly Action<int> _forwardBody;
    private readonly Action<int> _backwardBody;
    private HostIo? _io;
    private bool _disposed;

    private readonly DeviceBundleChecks _checks;

    // The current call's tensors, one bundle per pass, read by the rank threads.
    private ForwardTensors<IReadOnlyList<DeviceTensor>> _forwardCall;
    private BackwardTensors<IReadOnlyList<DeviceTensor>> _backwardCall;

    /// <summary>
    /// Plans the ring for <paramref name="problem"/> in <paramref name="elementType"/> (BFloat16 or Float16). Throws the
    /// same <see cref="ArgumentException"/>s as the CPU path for an invalid problem, before any GPU work, and an
    /// <see cref="ArgumentException"/> for what cuDNN cannot run (HeadDim not a multiple of 8 or above 256).
    /// </summary>
    public CudaRingAttention(RingProblem problem, DeviceElementType elementType = DeviceElementType.BFloat16, CudaRingOptions? options = null)
        : this(problem, elementType, options, kernelFactory: null)
    {
    }

    /// <summary>For tests: lets a rank use another kernel (for instance one that fails).</summary>
    internal CudaRingAttention(
        RingProblem problem,
        DeviceElementType elementType,
        CudaRingOptions? options,
        Func<int, IBlockAttentionKernel<DeviceTensor>, IBlockAttentionKernel<DeviceTensor>>? kernelFactory)
    {
        CudaProblemChecks.Validate(problem, elementType);
        options ??= new CudaRingOptions();
        if (options.Context is not null && options.Context.Device != options.Device)
        {
            throw new ArgumentException(
                Invariant($"The shared context is on device {options.Context.Device} but the plan is for device {options.Device}."), nameof(options));
        }

        Problem = problem;
        _sharding = new FullSequenceSharding(problem);
        ElementType = elementType;
        Device = options.Device;
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<CudaRingAttention>();
        _geometry = new CudaTensorGeometry(problem, elementType);
        _checks = new DeviceBundleChecks(_geometry, rank: 0);
        _forwardBody = RunForwardRank;
        _backwardBody = RunBackwardRank;
        _ranks = new CudaRank[problem.RingSize];
        _hub = new VirtualGroupHubs(problem.RingSize, options.ExchangeTimeout);

        using (new DeviceScope(Device))
        {
            try
            {
                _ownsContext = options.Context is null;
                _context = options.Context ?? new CudaAttentionContext(Device);
                _entry = CudaCalls.CreateEvent();
                ILogger loopLogger = loggers.CreateLogger("RingAttention.Cuda.RingLoop");
                for (int rank = 0; rank < problem.RingSize; rank++)
                {
                    _ranks[rank] = new CudaRank(
                        problem, _geometry, _context, Device, rank,
                        _hub,
                        options.RecordTimeline, loopLogger, kernelFactory);
                }

                _workers = new RankThreads(_hub);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            GraphCacheStats stats = _context.GetCacheStats();
            LogPlanned(_logger, problem.RingSize, elementType, Device, DeviceMemoryPerRankBytes, _ranks[0].CudnnWorkspaceBytes, stats.Builds);
        }
    }

    /// <summary>The planned problem.</summary>
    public RingProblem Problem { get; }

    /// <summary>The element type of Q, K, V, O, dO, dQ, dK and dV.</summary>
    public DeviceElementType ElementType { get; }

    /// <summary>The CUDA device of every virtual rank.</summary>
    public int Device { get; }

    /// <summary>The cuDNN context (graph cache) the plan runs on.</summary>
    public CudaAttentionContext Context => _context;

    /// <summary>
    /// Device memory one rank's plan holds: its ring buffers (three K/V blocks, partial and running O and LSE, dK/dV
    /// accumulators) and its cuDNN workspace. The caller's Q, K, V, O, LSE and gradients are not included.
    /// </summary>
    public long DeviceMemoryPerRankBytes => _ranks.Length == 0 || _ranks[0] is null ? 0 : _ranks[0].DeviceMemoryBytes;

    /// <summary>
    /// Forward on device tensors: element r of every list is rank r's tensor, in the load-balanced order and the
    /// problem's layout (Q, K, V and O in <see cref="ElementType"/>, LSE fp32 [B, Hq, L]). The work is ordered after
    /// what <paramref name="stream"/> (a cudaStream_t; 0 is the legacy default stream) already holds, and work the
    /// caller enqueues on it afterwards runs after the ring. Returns once everything is enqueued.
    /// </summary>
    public void Forward(ForwardTensors<IReadOnlyList<DeviceTensor>> shards, nint stream = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        shards.CheckEach(_checks);
        RunForward(shards, stream);
    }

    /// <summary>
    /// Backward on device tensors (see <see cref="Forward"/>): from Q, K, V, the forward's O and LSE and dO, writes dQ,
    /// dK and dV of every rank.
    /// </summary>
    public void Backward(BackwardTensors<IReadOnlyList<DeviceTensor>> shards, nint stream = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        shards.CheckEach(_checks);
        RunBackward(shards, stream);
    }

    /// <summary>
    /// Reads the intervals of the last call (waits for its timing events). Needs <see cref="CudaRingOptions.RecordTimeline"/>.
    /// Intervals of all ranks share rank 0's origin. Logged at Debug.
    /// </summary>
    public RingTimeline ReadTimeline()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ranks[0].Timeline is null)
        {
            throw new InvalidOperationException("The plan records no timeline: set CudaRingOptions.RecordTimeline.");
        }

        var intervals = new List<RingTimelineInterval>();
        SafeCudaEventHandle origin = _ranks[0].Timeline!.Origin;
        foreach (CudaRank rank in _ranks)
        {
            CudaCalls.SynchronizeEvent(rank.Exit);
            double offset = CudaCalls.ElapsedMilliseconds(origin, rank.Timeline!.Origin);
            rank.Timeline.Read(intervals, offset);
        }

        var timeline = new RingTimeline(intervals);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            foreach (RingTimelineInterval i in intervals)
            {
                LogInterval(_logger, i.Rank, i.Pass, i.Step, i.Kind, i.Channel, i.StartMicroseconds, i.DurationMicroseconds);
            }
        }

        return timeline;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _workers?.Dispose();
        _io?.Dispose();
        if (_ranks is not null)
        {
            foreach (CudaRank? rank in _ranks)
            {
                rank?.Dispose();
            }
        }

        _callerStream.Dispose();
        _entry?.Dispose();
        _hub?.Dispose();
        if (_ownsContext)
        {
            _context?.Dispose();
        }
    }

    /// <summary>For tests: every ring buffer and host-path buffer becomes NaN, so a read of anything unwritten shows.</summary>
    internal void PoisonForTesting()
    {
        foreach (CudaRank rank in _ranks)
        {
            rank.Poison();
        }

        _io?.Poison();
    }

    private void RunOnCallerStream(Action<int> body, nint stream)
    {
        using var scope = new DeviceScope(Device);
        SafeCudaStreamHandle caller = _callerStream.Get(stream);
        try
        {
            CudaCalls.Record(_entry, caller);
            _workers.Run(body);
        }
        finally
        {
            // Even after a failure: whatever the ranks enqueued runs before the caller's later work.
            foreach (CudaRank rank in _ranks)
            {
                CudaCalls.Wait(caller, rank.Exit);
            }

            (_forwardCall, _backwardCall) = (default, default);
        }
    }

    /// <summary>The forward on checked shards (the caller's, or the host path's own).</summary>
    private void RunForward(in ForwardTensors<IReadOnlyList<DeviceTensor>> shards, nint stream)
    {
        _forwardCall = shards;
        RunOnCallerStream(_forwardBody, stream);
    }

    /// <summary>The backward on checked shards (see <see cref="RunForward"/>).</summary>
    private void RunBackward(in BackwardTensors<IReadOnlyList<DeviceTensor>> shards, nint stream)
    {
        _backwardCall = shards;
        RunOnCallerStream(_backwardBody, stream);
    }

    private void RunForwardRank(int rank) => _ranks[rank].Forward(_forwardCall.ForRank(rank), _entry);

    private void RunBackwardRank(int rank) => _ranks[rank].Backward(_backwardCall.ForRank(rank), _entry);

    [LoggerMessage(Level = LogLevel.Debug, Message = "planned a CUDA ring of {RingSize} virtual ranks, {ElementType}, device {Device}: {Bytes} bytes per rank ({WorkspaceBytes} of cuDNN workspace), {Builds} graphs built so far")]
    private static partial void LogPlanned(ILogger logger, int ringSize, DeviceElementType elementType, int device, long bytes, long workspaceBytes, long builds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "rank {Rank} {Pass} step {Step} {Kind} {Channel}: start {Start:0.0} us, {Duration:0.0} us")]
    private static partial void LogInterval(ILogger logger, int rank, string pass, int step, RingTimelineKind kind, RingChannel channel, double start, double duration);
}
