using RingAttention.Backends;

namespace RingAttention.Strategies;

/// <summary>The element type of a buffer a strategy asks for.</summary>
internal enum BufferElement
{
    /// <summary>The compute precision of Q, K, V and O (fp32 on the CPU, bf16 or fp16 on the GPU).</summary>
    Compute = 0,

    /// <summary>fp32: the LSE and every accumulator.</summary>
    Float32 = 1,
}

/// <summary>
/// What <see cref="StrategyFactory"/> needs from a backend for one rank: kernels, element-wise ops and ring workspaces
/// for a (sub-)problem, transports for a group, region copies, and buffers for the strategy's own tensors. One instance
/// per rank (a GPU backend binds it to the rank's device and streams). Every call happens at plan time, so that a
/// forward or backward allocates nothing.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal interface IStrategyBackend<TTensor>
{
    /// <summary>The global rank this instance serves.</summary>
    int Rank { get; }

    /// <summary>Strided copies between tensors of any frame, on this rank.</summary>
    IRegionOps<TTensor> RegionOps { get; }

    /// <summary>A block kernel for <paramref name="problem"/> (the whole problem, or an inner ring's sub-problem).</summary>
    IBlockAttentionKernel<TTensor> CreateKernel(RingProblem problem);

    /// <summary>Element-wise ops for the rank-local tensors of <paramref name="problem"/>.</summary>
    IRingElementwiseOps<TTensor> CreateOps(RingProblem problem);

    /// <summary>The ring buffers of <paramref name="problem"/> (a ring of one may give empty ones, as the ring backends do).</summary>
    RingWorkspace<TTensor> CreateWorkspace(RingProblem problem);

    /// <summary>This rank's side of a ring over <paramref name="group"/>, in member order (ring rank = member index).</summary>
    IRingTransport<TTensor> CreateRingTransport(RankGroup group);

    /// <summary>This rank's side of the collectives over <paramref name="group"/>, in member order.</summary>
    ICollectiveTransport<TTensor> CreateCollectives(RankGroup group);

    /// <summary>A new buffer of <paramref name="elements"/> elements, allocated once per plan.</summary>
    TTensor Allocate(long elements, BufferElement element);
}
