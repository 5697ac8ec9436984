using Microsoft.Extensions.Logging;
using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;
using RingAttention.Strategies;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// Everything one rank owns on its device: its compute and accumulation streams (<see cref="RankStreams"/>), and the
/// problem's strategy (<see cref="StrategyFactory"/>) with every buffer, cuDNN workspace (sized at plan time for every
/// block the rank will run, which also builds and caches the graphs), kernel, op and transport it uses, made through a
/// <see cref="CudaStrategyBackend"/>. A call only enqueues work on the compute stream and allocates nothing.
/// </summary>
internal sealed class CudaRank : IDisposable
{
    private readonly DeviceBufferSet _buffers;
    private readonly IRankAttention<DeviceTensor> _loop = null!;
    private readonly List<IDisposable> _owned = [];
    private readonly RingWorkspace<DeviceTensor>? _workspace;

    /// <summary>A rank of a plain ring whose transport <paramref name="createTransport"/> makes (tools that replay a rank).</summary>
    public CudaRank(
        RingProblem problem,
        CudaTensorGeometry geometry,
        CudaAttentionContext context,
        int device,
        int rank,
        Func<RankStreams, RankTimelineRecorder?, IRingTransport<DeviceTensor>> createTransport,
        bool recordTimeline,
        ILogger logger)
        : this(problem, geometry, context, device, rank, new RingOnlyLinks(createTransport), recordTimeline, logger)
    {
    }

    /// <param name="problem">The validated problem.</param>
    /// <param name="geometry">Its geometry in the compute precision.</param>
    /// <param name="context">cuDNN context of the rank's device.</param>
    /// <param name="device">The rank's device; current on the calling thread.</param>
    /// <param name="rank">The rank.</param>
    /// <param name="links">How the rank reaches the others of each group its strategy uses.</param>
    /// <param name="recordTimeline">Whether to record timing events.</param>
    /// <param name="logger">Where the loop logs.</param>
    /// <param name="kernelFactory">For tests: wraps the rank's kernels.</param>
    public CudaRank(
        RingProblem problem,
        CudaTensorGeometry geometry,
        CudaAttentionContext context,
        int device,
        int rank,
        ICudaRankLinks links,
        bool recordTimeline,
        ILogger logger,
        Func<int, IBlockAttentionKernel<DeviceTensor>, IBlockAttentionKernel<DeviceTensor>>? kernelFactory = null)
    {
        Rank = rank;
        Device = device;
        _buffers = new DeviceBufferSet(device);
        try
        {
            // A job of one rank is a single attention call on the caller's tensors (RingLoop): one stream and no buffers.
            Streams = new RankStreams(separate: problem.RingSize > 1);
            Exit = CudaCalls.CreateEvent();
            Timeline = recordTimeline ? new RankTimelineRecorder(rank, problem.RingSize) : null;
            var backend = new CudaStrategyBackend(new CudaRankParts(
                rank, problem.RingSize, device, geometry.ElementType, context, Streams, _buffers, _owned, links, Timeline, kernelFactory));

            // Every strategy through the factory; its kernels size their workspaces (and build every graph) here.
            _loop = StrategyFactory.Create(problem, backend, logger);
            _workspace = backend.FirstWorkspace;
            CudnnWorkspaceBytes = backend.CudnnWorkspaceBytes;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Rank { get; }

    public int Device { get; }

    public RankStreams Streams { get; } = null!;

    /// <summary>The stream a call starts and ends on (the accumulation stream joins it before <see cref="Exit"/>).</summary>
    public SafeCudaStreamHandle ComputeStream => Streams.Compute;

    /// <summary>Recorded on the compute stream at the end of each call.</summary>
    public SafeCudaEventHandle Exit { get; } = null!;

    public RankTimelineRecorder? Timeline { get; }

    /// <summary>The ring buffers of the rank's ring (the first its strategy planned); throws for a strategy without one.</summary>
    public RingWorkspace<DeviceTensor> Workspace => _workspace ?? throw new InvalidOperationException("The rank's strategy plans no ring buffers.");

    /// <summary>Bytes of the rank's ring and strategy buffers and cuDNN workspaces.</summary>
    public long DeviceMemoryBytes => _buffers.Bytes + _owned.OfType<DeviceBuffer>().Sum(b => b.Bytes);

    public long CudnnWorkspaceBytes { get; }

    /// <summary>Fills every ring buffer with 0xFF bytes (NaN in every type) and waits: for tests that check nothing unwritten is read.</summary>
    public void Poison() => FillBuffers(0xFF);

    /// <summary>Fills every byte of every ring and strategy buffer with <paramref name="value"/> and waits (tools that time a rank).</summary>
    public void FillBuffers(byte value)
    {
        Streams.Synchronize();
        _buffers.Fill(value, ComputeStream);
        CudaCalls.Synchronize(ComputeStream);
    }

    /// <summary>The forward on this rank; runs after <paramref name="entry"/> (if any) and records <see cref="Exit"/>.</summary>
    public void Forward(in ForwardTensors<DeviceTensor> tensors, SafeCudaEventHandle? entry)
    {
        Enter(backward: false, entry);
        try
        {
            _loop.Forward(tensors);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>The backward on this rank (see <see cref="Forward"/>).</summary>
    public void Backward(in BackwardTensors<DeviceTensor> tensors, SafeCudaEventHandle? entry)
    {
        Enter(backward: true, entry);
        try
        {
            _loop.Backward(tensors);
        }
        finally
        {
            Leave();
        }
    }

    public void Dispose()
    {
        // Work may still be queued on the streams: wait before the memory goes away.
        Streams?.Dispose();
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        _owned.Clear();
        Timeline?.Dispose();
        _buffers.Dispose();
        Exit?.Dispose();
    }

    /// <summary>Makes the device current and orders the call after <paramref name="entry"/>; starts the timeline.</summary>
    private void Enter(bool backward, SafeCudaEventHandle? entry)
    {
        CudaCalls.SetDevice(Device);
        if (entry is not null)
        {
            CudaCalls.Wait(ComputeStream, entry);
        }

        Timeline?.Begin(backward, ComputeStream);
    }

    /// <summary>Joins the accumulation stream and records <see cref="Exit"/>, even after a failure.</summary>
    private void Leave()
    {
        Streams.ComputeAfterAccumulation();
        CudaCalls.Record(Exit, ComputeStream);
    }
}
