using Microsoft.Extensions.Logging;
using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// Everything one rank owns on its device: its compute and accumulation streams (<see cref="RankStreams"/>), every ring buffer, the cuDNN workspace (sized at plan
/// time for every step the rank will run, which also builds and caches the graphs), the kernel, the element-wise ops,
/// the transport and the ring loop. A call only enqueues work on the compute stream and allocates nothing.
/// </summary>
internal sealed class CudaRank : IDisposable
{
    private readonly DeviceBufferSet _buffers;
    private readonly RingLoop<DeviceTensor> _loop;
    private readonly IDisposable _transport;
    private readonly CudnnBlockAttention _attention = null!;
    private readonly DeviceBuffer? _cudnnWorkspace;

    /// <param name="problem">The validated problem.</param>
    /// <param name="geometry">Its geometry in the compute precision.</param>
    /// <param name="context">cuDNN context of the rank's device.</param>
    /// <param name="device">The rank's device; current on the calling thread.</param>
    /// <param name="rank">The rank.</param>
    /// <param name="createTransport">Makes the transport from the rank's streams and the timeline recorder (or null).</param>
    /// <param name="recordTimeline">Whether to record timing events.</param>
    /// <param name="logger">Where the loop logs.</param>
    /// <param name="kernelFactory">For tests: wraps the rank's kernel.</param>
    public CudaRank(
        RingProblem problem,
        CudaTensorGeometry geometry,
        CudaAttentionContext context,
        int device,
        int rank,
        Func<RankStreams, RankTimelineRecorder?, IRingTransport<DeviceTensor>> createTransport,
        bool recordTimeline,
        ILogger logger,
        Func<int, IBlockAttentionKernel<DeviceTensor>, IBlockAttentionKernel<DeviceTensor>>? kernelFactory = null)
    {
        Rank = rank;
        Device = device;
        _buffers = new DeviceBufferSet(device);
        try
        {
            // A ring of one is a single attention call on the caller's tensors (RingLoop): one stream and no ring buffers.
            bool ring = problem.RingSize > 1;
            Streams = new RankStreams(separate: ring);
            Exit = CudaCalls.CreateEvent();
            Timeline = recordTimeline ? new RankTimelineRecorder(rank, problem.RingSize) : null;

            DeviceElementType half = geometry.ElementType;
            const DeviceElementType Fp32 = DeviceElementType.Float32;
            DeviceTensor ringOnly(long elements, DeviceElementType type) => ring ? _buffers.Allocate(elements, type) : default;
            long stacked = 2 * geometry.KeyValuePlaneElements;

            // Two sets of step partials, so that a step's merge on the accumulation stream overlaps the next step's kernel.
            // The forward's partial O is not used by the backward, so dQ's partial shares its memory.
            StepPartials<DeviceTensor> partials()
            {
                DeviceTensor partialQ = ringOnly(geometry.QueryElements, half);
                var set = new StepPartials<DeviceTensor>
                {
                    Output = partialQ,
                    Lse = ringOnly(geometry.LseElements, Fp32),
                    QueryGradient = partialQ,
                    KeyValueGradient = ringOnly(stacked, half),
                };
                Streams.RegisterPartial(set.Output);
                Streams.RegisterPartial(set.Lse);
                Streams.RegisterPartial(set.KeyValueGradient);
                return set;
            }

            // The forward's running O is not used by the backward either: the running dQ shares it.
            DeviceTensor accumulatorQ = ringOnly(geometry.QueryElements, Fp32);
            Workspace = new RingWorkspace<DeviceTensor>
            {
                OwnKeyValue = ringOnly(stacked, half),
                KeyValueA = ringOnly(stacked, half),
                KeyValueB = ringOnly(stacked, half),
                PartialsA = partials(),
                PartialsB = partials(),
                OutputAccumulator = accumulatorQ,
                LseAccumulator = ringOnly(geometry.LseElements, Fp32),
                QueryGradientAccumulator = accumulatorQ,
                OwnKeyValueGradient = ringOnly(stacked, Fp32),
                KeyValueGradientA = ringOnly(stacked, Fp32),
                KeyValueGradientB = ringOnly(stacked, Fp32),
            };

            _attention = new CudnnBlockAttention(geometry, context, Streams);
            long workspaceBytes = 0;
            for (int source = 0; source < problem.RingSize; source++)
            {
                // Every block of every step (a sliding window may split a step into several, each its own graph).
                StepTasks tasks = RingSchedule.TasksFor(problem, rank, source);
                for (int k = 0; k < tasks.Count; k++)
                {
                    workspaceBytes = Math.Max(workspaceBytes, _attention.WorkspaceBytesFor(tasks[k]));
                }
            }

            // Not in _buffers: cuDNN initializes what it needs of its workspace, and Poison must not touch it.
            _cudnnWorkspace = _attention.AllocateWorkspace(workspaceBytes, Device);
            CudnnWorkspaceBytes = workspaceBytes;

            IRingTransport<DeviceTensor> transport = createTransport(Streams, Timeline);
            _transport = (IDisposable)transport;
            IBlockAttentionKernel<DeviceTensor> kernel = Timeline is null ? _attention : new TimedBlockAttention(_attention, Timeline, ComputeStream);
            if (kernelFactory is not null)
            {
                kernel = kernelFactory(rank, kernel);
            }
            IRingElementwiseOps<DeviceTensor> ops = new CudaElementwiseOps(geometry, Streams);
            if (Timeline is not null)
            {
                ops = new TimedElementwiseOps(ops, Timeline, Streams);
            }

            _loop = new RingLoop<DeviceTensor>(problem, kernel, transport, ops, Workspace, logger);
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

    public RingWorkspace<DeviceTensor> Workspace { get; } = null!;

    /// <summary>Bytes of the rank's ring buffers and cuDNN workspace.</summary>
    public long DeviceMemoryBytes => _buffers.Bytes + (_cudnnWorkspace?.Bytes ?? 0);

    public long CudnnWorkspaceBytes { get; }

    /// <summary>Fills every ring buffer with 0xFF bytes (NaN in every type) and waits: for tests that check nothing unwritten is read.</summary>
    public void Poison()
    {
        Streams.Synchronize();
        _buffers.Fill(0xFF, ComputeStream);
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
        _transport?.Dispose();
        Timeline?.Dispose();
        _buffers.Dispose();
        _cudnnWorkspace?.Dispose();
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
