using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Cuda;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;

namespace RingAttention.Benchmarks;

/// <summary>
/// Everything one rank of a ring does — the real <see cref="RingLoop{TTensor}"/> with the real cuDNN kernel, merges and
/// accumulations on that rank's own buffers — with links that move nothing (<see cref="SilentLinks"/>), alone on the
/// GPU; the same for one rank of the all-gather (its gathers and reduce-scatters left out). Its
/// time is the rank's critical path without transfers: what a real N-GPU run would take per rank if every exchange were
/// hidden. The buffers keep whatever they hold (timing does not depend on values); every one is filled once with a
/// finite value so that no NaN or denormal path is taken. Calls only enqueue work on the rank's compute stream;
/// <see cref="Synchronize"/> waits for it. One call at a time.
/// </summary>
internal sealed class CudaRankReplay : IAttentionRunner
{
    private readonly DeviceBufferSet _buffers;
    private readonly CudaRank _rank = null!;
    private BackwardTensors<DeviceTensor> _tensors;

    private CudaRankReplay(CudaAttentionContext context, RingProblem problem, DeviceElementType elementType, int rank, bool recordTimeline)
    {
        ArgumentNullException.ThrowIfNull(context);
        CudaProblemChecks.Validate(problem, elementType);
        problem.ValidateRank(rank);
        Problem = problem;
        Rank = rank;
        Device = context.Device;
        _buffers = new DeviceBufferSet(Device);
        using var scope = new DeviceScope(Device);
        try
        {
            var geometry = new CudaTensorGeometry(problem, elementType);
            _rank = new CudaRank(problem, geometry, context, Device, rank, new SilentLinks(), recordTimeline, NullLogger.Instance);
            AllocateCallerTensors(geometry, elementType);
            // Every buffer of the rank (ring blocks, accumulators, an all-gather's gathered blocks): 0x3C in every byte
            // is a small finite normal value in bf16, fp16 and fp32 alike, so no NaN or denormal path is taken.
            _rank.FillBuffers(0x3C);

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

    /// <summary>The replayed problem.</summary>
    public RingProblem Problem { get; }

    /// <summary>The replayed rank.</summary>
    public int Rank { get; }

    /// <summary>The CUDA device.</summary>
    public int Device { get; }

    /// <summary>
    /// Device memory the rank's plan holds (ring buffers and cuDNN workspace, as <see cref="CudaRingAttention.DeviceMemoryPerRankBytes"/>).
    /// The caller's tensors (Q, K, V, O, LSE and gradients) are not counted.
    /// </summary>
    public long DeviceMemoryBytes => _rank.DeviceMemoryBytes;

    /// <summary>The whole ring schedule of one rank, forward, on <see cref="Problem"/>. Transfers are skipped.</summary>
    /// <param name="problem">The problem of every rank of the ring.</param>
    /// <param name="rank">The rank to replay.</param>
    /// <param name="context">cuDNN context (graph cache) of the device.</param>
    /// <param name="elementType">BFloat16 or Float16.</param>
    /// <param name="recordTimeline">Record each kernel and accumulation-stream operation (<see cref="ReadTimeline"/>).</param>
    public static CudaRankReplay ForRank(
        RingProblem problem, int rank, CudaAttentionContext context, DeviceElementType elementType = DeviceElementType.BFloat16, bool recordTimeline = false) =>
        new(context, problem, elementType, rank, recordTimeline);

    /// <summary>The ring ranks whose replay is the slowest: both ends for dual-chunk, the last rank otherwise.</summary>
    public static IReadOnlyList<int> SlowestRankCandidates(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int last = problem.RingSize - 1;
        return problem.Mask == AttentionMask.Causal && problem.Balance == LoadBalancing.DualChunk && last > 0 ? [0, last] : [last];
    }

    /// <summary>Enqueues one forward.</summary>
    public void Forward() => _rank.Forward(_tensors.Forward, entry: null);

    /// <summary>Enqueues one backward (from the O and LSE of the construction's forward).</summary>
    public void Backward() => _rank.Backward(_tensors, entry: null);

    /// <summary>The intervals of the last call (waits for them); needs recordTimeline. Times count from the call's start.</summary>
    public RingTimeline ReadTimeline()
    {
        RankTimelineRecorder timeline = _rank.Timeline
            ?? throw new InvalidOperationException("This replay records no timeline: make it with recordTimeline: true.");
        CudaCalls.SynchronizeEvent(_rank.Exit);
        var intervals = new List<RingTimelineInterval>();
        timeline.Read(intervals, 0);
        return new RingTimeline(intervals);
    }

    /// <summary>Waits for everything enqueued so far.</summary>
    public void Synchronize() => CudaCalls.Synchronize(_rank.ComputeStream);

    /// <inheritdoc />
    public void Dispose()
    {
        _rank?.Dispose();
        _buffers.Dispose();
    }

    private void AllocateCallerTensors(CudaTensorGeometry geometry, DeviceElementType elementType)
    {
        long plane = geometry.KeyValuePlaneElements;
        _tensors = new(
            Query: _buffers.Allocate(geometry.QueryElements, elementType),
            Key: _buffers.Allocate(plane, elementType),
            Value: _buffers.Allocate(plane, elementType),
            Output: _buffers.Allocate(geometry.QueryElements, elementType),
            Lse: _buffers.Allocate(geometry.LseElements, DeviceElementType.Float32),
            OutputGradient: _buffers.Allocate(geometry.QueryElements, elementType),
            QueryGradient: _buffers.Allocate(geometry.QueryElements, elementType),
            KeyGradient: _buffers.Allocate(plane, elementType),
            ValueGradient: _buffers.Allocate(plane, elementType));
        DeviceRandom.Fill(_tensors.Query, Device, 1);
        DeviceRandom.Fill(_tensors.Key, Device, 2);
        DeviceRandom.Fill(_tensors.Value, Device, 3);
        DeviceRandom.Fill(_tensors.OutputGradient, Device, 4);
    }
}
