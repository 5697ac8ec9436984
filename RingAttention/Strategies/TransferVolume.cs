namespace RingAttention.Strategies;

/// <summary>
/// The bytes each strategy moves per rank (strategies.md §6), from the shard sizes Qs = Os = B·L·Hq·D and
/// Ks = Vs = B·L·Hkv·D elements. Ring: (N-1)(Ks+Vs) forward; backward the same K/V again plus (N-1)(Ks+Vs) of dK/dV.
/// All-gather: an all-gather of K, V forward; backward re-gathers K, V and reduce-scatters dK, dV (TE keeps only
/// local K, V for backward). All-to-all: (N-1)/N of Q, K, V, O forward and of dO, dQ, dK, dV backward, K and V
/// counted ρ times when replicated (ρ = N / Hkv). All-to-all then ring: the inner all-to-all over Na plus a ring of Np
/// on the member's sub-problem (Na·L rows, Hq/Na and Hkv/Na or 1 heads). Collectives are counted at their
/// bandwidth-optimal volume ((n-1)/n of the full buffer per rank), which ring/NCCL algorithms reach.
/// </summary>
internal static class TransferVolume
{
    /// <summary>bf16/fp16, the element size of the GPU backend's Q, K, V, O and gradients.</summary>
    public const int HalfPrecisionBytes = 2;

    /// <summary>The traffic of <paramref name="strategy"/> on <paramref name="problem"/> (whatever its own Strategy).</summary>
    /// <param name="problem">Shapes and ring size.</param>
    /// <param name="strategy">The strategy to count.</param>
    /// <param name="allToAllSize">Na for <see cref="ContextParallelStrategy.AllToAllThenRing"/>; ignored otherwise.</param>
    /// <param name="bytesPerElement">Element size of the moved tensors.</param>
    public static PassTraffic Of(RingProblem problem, ContextParallelStrategy strategy, int allToAllSize = 0, int bytesPerElement = HalfPrecisionBytes)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerElement, 1);
        int n = problem.RingSize;
        double qs = (double)problem.LocalQueryElements * bytesPerElement;
        double ks = (double)problem.LocalKeyValueElements * bytesPerElement;
        return strategy switch
        {
            ContextParallelStrategy.Ring => Ring(n, ks),
            ContextParallelStrategy.AllGather => new PassTraffic((n - 1) * 2 * ks, 2 * (n - 1) * 2 * ks),
            ContextParallelStrategy.AllToAll => AllToAll(n, problem.KeyValueHeads, qs, ks),
            ContextParallelStrategy.AllToAllThenRing => Hierarchical(problem, allToAllSize, bytesPerElement),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown strategy."),
        };
    }

    /// <summary>The ring's traffic for K/V shards of <paramref name="ks"/> bytes each over <paramref name="n"/> ranks.</summary>
    private static PassTraffic Ring(int n, double ks) => new((n - 1) * 2 * ks, 2 * (n - 1) * 2 * ks);

    /// <summary>An all-to-all over <paramref name="n"/> members of Q, K, V, O (and back in backward).</summary>
    private static PassTraffic AllToAll(int n, int keyValueHeads, double qs, double ks)
    {
        double replication = keyValueHeads % n == 0 ? 1 : (double)n / keyValueHeads;
        double bytes = (n - 1) / (double)n * ((2 * qs) + (2 * replication * ks));
        return new PassTraffic(bytes, bytes);
    }

    /// <summary>
    /// The two parts of <see cref="ContextParallelStrategy.AllToAllThenRing"/>: the inner all-to-all over Na members,
    /// and the ring of Np over the member's sub-problem shard (Na·L rows of its KV heads: Hkv/Na, or one replica).
    /// </summary>
    public static (PassTraffic AllToAll, PassTraffic Ring) HierarchicalParts(RingProblem problem, int allToAllSize, int bytesPerElement = HalfPrecisionBytes)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var layout = new HierarchicalLayout(problem, allToAllSize);
        double qs = (double)problem.LocalQueryElements * bytesPerElement;
        double ks = (double)problem.LocalKeyValueElements * bytesPerElement;
        double subKs = ks * allToAllSize * layout.Heads.KeyValueHeadsPerMember / problem.KeyValueHeads;
        return (AllToAll(allToAllSize, problem.KeyValueHeads, qs, ks), Ring(layout.RingSize, subKs));
    }

    private static PassTraffic Hierarchical(RingProblem problem, int allToAllSize, int bytesPerElement)
    {
        (PassTraffic inner, PassTraffic ring) = HierarchicalParts(problem, allToAllSize, bytesPerElement);
        return inner + ring;
    }
}
