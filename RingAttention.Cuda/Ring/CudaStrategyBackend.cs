using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Timeline;
using RingAttention.Strategies;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// One rank's pieces for <see cref="StrategyFactory"/> on its device: cuDNN kernels whose graphs are built and whose
/// workspaces are sized at plan time for every block of their (sub-)problem, element-wise ops on the rank's
/// <see cref="RankStreams"/>, ring buffers, transports from the <see cref="ICudaRankLinks"/>, and device buffers from the
/// rank's <see cref="DeviceBufferSet"/>. Region copies and collectives run on the compute stream after everything the
/// accumulation stream holds (<see cref="FencedRegionOps"/>, <see cref="FencedCollectives"/>).
/// </summary>
internal sealed class CudaStrategyBackend(CudaRankParts parts) : IStrategyBackend<DeviceTensor>
{
    /// <inheritdoc />
    public int Rank => parts.Rank;

    /// <inheritdoc />
    public IRegionOps<DeviceTensor> RegionOps { get; } = new FencedRegionOps(new CudaRegionOps(parts.Streams.Compute), parts.Streams);

    /// <summary>The ring buffers of the first <see cref="CreateWorkspace"/> call (the top-level ring's, for tools).</summary>
    public RingWorkspace<DeviceTensor>? FirstWorkspace { get; private set; }

    /// <summary>The largest cuDNN workspace of the rank's kernels.</summary>
    public long CudnnWorkspaceBytes { get; private set; }

    /// <inheritdoc />
    public IBlockAttentionKernel<DeviceTensor> CreateKernel(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var attention = new CudnnBlockAttention(new CudaTensorGeometry(problem, parts.ElementType), parts.Context, parts.Streams);

        // Every block any rank of this (sub-)problem runs: builds and caches every graph now, so calls build none.
        long bytes = 0;
        for (int rank = 0; rank < problem.RingSize; rank++)
        {
            var table = new StepTaskTable(problem, rank);
            for (int source = 0; source < problem.RingSize; source++)
            {
                foreach (BlockTask task in table.For(source))
                {
                    bytes = Math.Max(bytes, attention.WorkspaceBytesFor(task));
                }
            }
        }

        DeviceBuffer? workspace = attention.AllocateWorkspace(bytes, parts.Device);
        if (workspace is not null)
        {
            parts.Owned.Add(workspace); // not in the buffer set: Poison must not touch cuDNN's workspace
        }

        CudnnWorkspaceBytes = Math.Max(CudnnWorkspaceBytes, bytes);
        IBlockAttentionKernel<DeviceTensor> kernel = parts.Timeline is null
            ? attention
            : new TimedBlockAttention(attention, parts.Timeline, parts.Streams.Compute);
        return parts.KernelFactory is null ? kernel : parts.KernelFactory(Rank, kernel);
    }

    /// <inheritdoc />
    public IRingElementwiseOps<DeviceTensor> CreateOps(RingProblem problem)
    {
        IRingElementwiseOps<DeviceTensor> ops = new CudaElementwiseOps(new CudaTensorGeometry(problem, parts.ElementType), parts.Streams);
        return parts.Timeline is null ? ops : new TimedElementwiseOps(ops, parts.Timeline, parts.Streams);
    }

    /// <inheritdoc />
    public RingWorkspace<DeviceTensor> CreateWorkspace(RingProblem problem)
    {
        RingWorkspace<DeviceTensor> workspace = CudaRingBuffers.Plan(new CudaTensorGeometry(problem, parts.ElementType), parts.Buffers, parts.Streams);
        FirstWorkspace ??= workspace;
        return workspace;
    }

    /// <inheritdoc />
    public IRingTransport<DeviceTensor> CreateRingTransport(RankGroup group)
    {
        IRingTransport<DeviceTensor> transport = parts.Links.Ring(group, group.MemberOf(Rank), parts.Streams, group.Count == parts.RingSize ? parts.Timeline : null);
        Own(transport);
        return transport;
    }

    /// <inheritdoc />
    public ICollectiveTransport<DeviceTensor> CreateCollectives(RankGroup group)
    {
        var collectives = new FencedCollectives(parts.Links.Collectives(group, group.MemberOf(Rank), parts.Streams.Compute, parts.Device), parts.Streams);
        parts.Owned.Add(collectives);
        return collectives;
    }

    /// <inheritdoc />
    public DeviceTensor Allocate(long elements, BufferElement element)
    {
        DeviceTensor tensor = parts.Buffers.Allocate(elements, element == BufferElement.Compute ? parts.ElementType : DeviceElementType.Float32);

        // A strategy's buffer may be a step partial (a kernel writes it, the accumulation stream reads it): fenced as one.
        parts.Streams.RegisterPartial(tensor);
        return tensor;
    }

    private void Own(object piece)
    {
        if (piece is IDisposable disposable)
        {
            parts.Owned.Add(disposable);
        }
    }
}
