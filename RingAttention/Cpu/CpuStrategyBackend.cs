using RingAttention.Backends;
using RingAttention.Strategies;

namespace RingAttention.Cpu;

/// <summary>
/// One CPU rank's pieces for <see cref="StrategyFactory"/>: float kernels and ops for any (sub-)problem, thread
/// transports over the plan's <see cref="CpuGroupHubs"/>, and float arrays for every buffer (fp32 is the CPU's compute
/// precision, so both <see cref="BufferElement"/>s are floats).
/// </summary>
internal sealed class CpuStrategyBackend : IStrategyBackend<Memory<float>>
{
    private static readonly CpuRegionOps Regions = new();
    private readonly CpuGroupHubs _hubs;
    private readonly Func<int, IBlockAttentionKernel<Memory<float>>, IBlockAttentionKernel<Memory<float>>>? _kernelFactory;

    /// <summary>Rank <paramref name="rank"/>'s backend; <paramref name="kernelFactory"/> lets tests wrap its kernels.</summary>
    public CpuStrategyBackend(
        int rank, CpuGroupHubs hubs, Func<int, IBlockAttentionKernel<Memory<float>>, IBlockAttentionKernel<Memory<float>>>? kernelFactory)
    {
        ArgumentNullException.ThrowIfNull(hubs);
        Rank = rank;
        _hubs = hubs;
        _kernelFactory = kernelFactory;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public IRegionOps<Memory<float>> RegionOps => Regions;

    /// <inheritdoc />
    public IBlockAttentionKernel<Memory<float>> CreateKernel(RingProblem problem)
    {
        IBlockAttentionKernel<Memory<float>> kernel = new CpuBlockAttention(new CpuTensorGeometry(problem));
        return _kernelFactory is null ? kernel : _kernelFactory(Rank, kernel);
    }

    /// <inheritdoc />
    public IRingElementwiseOps<Memory<float>> CreateOps(RingProblem problem) => new CpuElementwiseOps(new CpuTensorGeometry(problem));

    /// <inheritdoc />
    public RingWorkspace<Memory<float>> CreateWorkspace(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int q = checked((int)problem.LocalQueryElements);
        int kv = checked((int)(2 * problem.LocalKeyValueElements));
        int lse = checked((int)problem.LocalLseElements);

        // A ring of one is a single attention call on the caller's tensors (RingLoop): it needs none of these. The CPU
        // merges each step before the next one starts, so both steps' partials share one set.
        // Packed documents run the loop even on one rank (a block per document), so they need them all.
        bool loop = problem.RingSize > 1 || problem.Documents is not null;
        Memory<float> RingOnly(int elements) => loop ? new float[elements] : Memory<float>.Empty;
        Memory<float> partialQ = RingOnly(q);
        var partials = new StepPartials<Memory<float>>
        {
            Output = partialQ,
            Lse = RingOnly(lse),
            QueryGradient = partialQ,
            KeyValueGradient = RingOnly(kv),
        };
        return new RingWorkspace<Memory<float>>
        {
            OwnKeyValue = RingOnly(kv),
            KeyValueA = RingOnly(kv),
            KeyValueB = RingOnly(kv),
            PartialsA = partials,
            PartialsB = partials,
            OutputAccumulator = RingOnly(q),
            LseAccumulator = RingOnly(lse),
            QueryGradientAccumulator = RingOnly(q),
            OwnKeyValueGradient = RingOnly(kv),
            KeyValueGradientA = RingOnly(kv),
            KeyValueGradientB = RingOnly(kv),
        };
    }

    /// <inheritdoc />
    public IRingTransport<Memory<float>> CreateRingTransport(RankGroup group) => new ThreadRingTransport(_hubs.Ring(group), group.MemberOf(Rank));

    /// <inheritdoc />
    public ICollectiveTransport<Memory<float>> CreateCollectives(RankGroup group) =>
        new ThreadCollectiveTransport(_hubs.Collective(group), group.MemberOf(Rank));

    /// <inheritdoc />
    public Memory<float> Allocate(long elements, BufferElement element) => new float[checked((int)elements)];
}
