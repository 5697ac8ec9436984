using static System.FormattableString;

namespace RingAttention.Strategies;

/// <summary>
/// Picks the context-parallel strategy for a problem from a model of one rank's time per layer: its attention kernels
/// plus the communication they cannot hide.
/// </summary>
/// <remarks>
/// <para>The rule: among the strategies the problem allows, take the one with the least modelled time per layer
/// (forward + backward) = kernel time + exposed communication; on a tie take the simplest, in the order Ring,
/// AllGather, AllToAll, AllToAllThenRing (smaller inner size first).</para>
/// <para>Kernel time: T1/N × (1 + overhead), T1 the single call on the whole sequence from
/// <see cref="AttentionWork.TotalFlops"/> (visible pairs only, so windows count what they leave) at the GPU's
/// attention throughput. All-to-all runs one call on 1/N of the heads: overhead 0. The ring, the all-gather (which
/// runs the ring's block tasks) and the inner ring of all-to-all then ring split the sequence into blocks with
/// merges: <see cref="RingKernelOverhead"/>.</para>
/// <para>Exposed time, from <see cref="TransferVolume"/> at the link's bandwidth, the forward compute at the GPU's
/// attention throughput and a fixed <see cref="StepLatencySeconds"/> per ring step or collective call: the ring
/// overlaps each remote step's transfer with that step's compute, and only the steps that bring visible keys
/// (<see cref="AttentionWork.BusyRingSteps"/>) have compute to hide behind. All-gather and all-to-all run their
/// collectives before and after the attention (TE does not overlap them), so all their transfer time is exposed.
/// All-to-all then ring exposes its all-to-all plus its inner ring's unhidden part.</para>
/// <para>What follows from it: where the heads split over N, all-to-all trades the ring's kernel overhead (∝ S²/N)
/// for its exposed exchange (∝ S/N): on NVLink it wins from medium sequences on (at N = 8 with 16 heads between
/// S = 32K and 64K; on the H200 measurements, benchmarks/results/nvidia-h200-strategies-H16.md and -H32x8.md, in all
/// 12 goal checks). The ring keeps medium sequences where it hides its steps and its overhead costs less than the
/// exchange, problems whose heads do not split over N (Hq % N != 0, or Hkv neither a multiple nor a divisor of N),
/// and slow links where all-to-all's volume is large (InfiniBand with K and V replicated N/Hkv times). Short shards
/// expose the ring's steps: all-to-all where the heads split, all-to-all then ring with more ranks than KV heads,
/// all-gather (the ring's bytes and kernels, but 6 calls instead of 3(N-1) steps) where most ring steps bring no
/// visible key or the heads split badly. Allowed: AllGather always; AllToAll and AllToAllThenRing only with the head
/// counts RingProblem.Validate accepts, and the latter not for Striped. Not modelled: memory (all-gather holds
/// N·(Ks+Vs) more), separate links inside and across nodes.</para>
/// </remarks>
internal static class StrategyHeuristic
{
    /// <summary>
    /// Assumption: the fixed cost of one ring step or one collective call, 15 µs: NCCL's small-message latency on
    /// NVLink is some microseconds, plus the kernel launch and the stream synchronisation around it. Without it the
    /// model could never prefer all-gather on exposed communication alone.
    /// </summary>
    public const double StepLatencySeconds = 15e-6;

    /// <summary>
    /// Calibrated: the ring's kernels (slowest replayed rank, merges included) take 7 % more than all-to-all's single
    /// call on 1/N of the heads, which the model takes as T1/N. Measured on one H200, S = 64K, causal, dual-chunk,
    /// fwd+bwd (benchmarks/results/nvidia-h200-strategies-H16.md and -H32x8.md): ring over all-to-all kernels +5.9,
    /// +5.3, +12.3 % at H = 16 and N = 2, 4, 8; +3.4, +4.9, +9.3 % at H = 32/8; mean 6.9 %. Against T1/N from the
    /// measured single call the ring is +5.5, +3.6, +9.5 % and +2.3, +2.8, +5.9 %, all-to-all −0.5 to −3.1 %. Applied
    /// to the ring, the all-gather (the ring's tasks) and the inner ring of all-to-all then ring. The six problems
    /// are the calibration set, so the benchmark's goal check on them is a consistency check, not a prediction.
    /// </summary>
    public const double RingKernelOverhead = 0.07;

    /// <summary>The strategy (and inner size) for <paramref name="problem"/> on <paramref name="link"/>.</summary>
    /// <param name="problem">The problem; its own Strategy is ignored.</param>
    /// <param name="link">The link between the ranks.</param>
    /// <param name="flopsPerSecond">Attention throughput of one GPU.</param>
    /// <param name="bytesPerElement">Element size of the moved tensors.</param>
    public static StrategyChoice Choose(
        RingProblem problem,
        LinkModel link,
        double flopsPerSecond = AttentionWork.H200AttentionFlopsPerSecond,
        int bytesPerElement = TransferVolume.HalfPrecisionBytes)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(link);
        RingProblem ring = problem with { Strategy = ContextParallelStrategy.Ring, AllToAllSize = 0 };
        ring.Validate();
        if (ring.RingSize == 1)
        {
            return new StrategyChoice(ContextParallelStrategy.Ring, 0, KernelSeconds(ring, ContextParallelStrategy.Ring, 0, flopsPerSecond), 0, "Ring: a single rank moves nothing.");
        }

        double forwardCompute = AttentionWork.ForwardFlopsPerRank(ring) / flopsPerSecond;
        var costs = Candidates(ring)
            .Select(c => (c.Strategy, c.Size, Seconds: Modelled(ring, c.Strategy, c.Size, link, flopsPerSecond, bytesPerElement)))
            .ToList();
        var best = costs[0];
        foreach (var candidate in costs.Skip(1))
        {
            if (candidate.Seconds < best.Seconds)
            {
                best = candidate;
            }
        }

        double ringSeconds = costs[0].Seconds;
        double exposed = Exposed(ring, best.Strategy, best.Size, link, forwardCompute, bytesPerElement);
        string reason = best.Strategy == ContextParallelStrategy.Ring
            ? Invariant($"Ring: least modelled time, {ringSeconds * 1e3:0.###} ms per layer (kernels + {exposed * 1e3:0.###} ms exposed communication on {link.Name}).")
            : Invariant($"{best.Strategy}{(best.Size > 0 ? Invariant($" (Na = {best.Size})") : string.Empty)}: least modelled time, {best.Seconds * 1e3:0.###} ms per layer (kernels + {exposed * 1e3:0.###} ms exposed communication) vs {ringSeconds * 1e3:0.###} ms for the ring on {link.Name}.");
        return new StrategyChoice(best.Strategy, best.Size, best.Seconds, exposed, reason);
    }

    /// <summary>Modelled time of one rank per layer, forward plus backward: kernel time plus exposed communication.</summary>
    public static double Modelled(RingProblem problem, ContextParallelStrategy strategy, int allToAllSize, LinkModel link, double flopsPerSecond, int bytesPerElement)
    {
        ArgumentNullException.ThrowIfNull(problem);
        double forwardCompute = AttentionWork.ForwardFlopsPerRank(problem) / flopsPerSecond;
        return KernelSeconds(problem, strategy, allToAllSize, flopsPerSecond)
            + Exposed(problem, strategy, allToAllSize, link, forwardCompute, bytesPerElement);
    }

    /// <summary>
    /// One rank's kernel time per layer, forward plus backward: T1/N × (1 + overhead), overhead 0 for all-to-all
    /// (and for any strategy on one rank or with an inner ring of one member), else <see cref="RingKernelOverhead"/>.
    /// </summary>
    public static double KernelSeconds(RingProblem problem, ContextParallelStrategy strategy, int allToAllSize, double flopsPerSecond)
    {
        ArgumentNullException.ThrowIfNull(problem);
        int ringMembers = strategy switch
        {
            ContextParallelStrategy.AllToAll => 1,
            ContextParallelStrategy.AllToAllThenRing => problem.RingSize / allToAllSize,
            _ => problem.RingSize,
        };
        double overhead = ringMembers > 1 ? RingKernelOverhead : 0;
        return AttentionWork.TotalFlops(problem) / problem.RingSize / flopsPerSecond * (1 + overhead);
    }

    /// <summary>The strategies <paramref name="problem"/> allows, in tie-break order (Ring first).</summary>
    public static IEnumerable<(ContextParallelStrategy Strategy, int Size)> Candidates(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        yield return (ContextParallelStrategy.Ring, 0);
        yield return (ContextParallelStrategy.AllGather, 0);

        if (HeadsSplit(problem, problem.RingSize))
        {
            yield return (ContextParallelStrategy.AllToAll, 0);
        }

        if (problem.Balance == LoadBalancing.Striped)
        {
            yield break;
        }

        for (int inner = 2; inner < problem.RingSize; inner++)
        {
            if (problem.RingSize % inner == 0 && HeadsSplit(problem, inner))
            {
                yield return (ContextParallelStrategy.AllToAllThenRing, inner);
            }
        }
    }

    /// <summary>Modelled communication time not hidden behind compute, forward plus backward, in seconds.</summary>
    public static double Exposed(RingProblem problem, ContextParallelStrategy strategy, int allToAllSize, LinkModel link, double forwardComputeSeconds, int bytesPerElement)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(link);
        PassTraffic traffic = TransferVolume.Of(problem, strategy, allToAllSize, bytesPerElement);
        int busy = AttentionWork.BusyRingSteps(problem);
        return strategy switch
        {
            ContextParallelStrategy.Ring => RingExposed(traffic, problem.RingSize, busy, link, forwardComputeSeconds),

            // Forward gathers K and V; backward gathers them again and reduce-scatters dK and dV.
            ContextParallelStrategy.AllGather => link.Seconds(traffic.TotalBytes) + (6 * StepLatencySeconds),

            // Q, K, V, O forward; dO, dQ, dK, dV backward.
            ContextParallelStrategy.AllToAll => link.Seconds(traffic.TotalBytes) + (8 * StepLatencySeconds),
            ContextParallelStrategy.AllToAllThenRing => HierarchicalExposed(problem, allToAllSize, link, forwardComputeSeconds, bytesPerElement),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Unknown strategy."),
        };
    }

    private static double HierarchicalExposed(RingProblem problem, int inner, LinkModel link, double forwardComputeSeconds, int bytesPerElement)
    {
        var layout = new HierarchicalLayout(problem, inner);
        (PassTraffic alone, PassTraffic ringPart) = TransferVolume.HierarchicalParts(problem, inner, bytesPerElement);
        int busy = AttentionWork.BusyRingSteps(layout.SubProblem);
        return link.Seconds(alone.TotalBytes) + (8 * StepLatencySeconds) + RingExposed(ringPart, layout.RingSize, busy, link, forwardComputeSeconds);
    }

    /// <summary>
    /// The ring's exposed time: each of its N-1 remote steps costs its transfer plus the step latency, less the
    /// compute of that step; the remote compute, (N-1)/N of the rank's work, is spread over the busy steps only.
    /// </summary>
    private static double RingExposed(PassTraffic traffic, int ranks, int busy, LinkModel link, double forwardComputeSeconds)
    {
        int steps = ranks - 1;
        if (steps == 0)
        {
            return 0;
        }

        double remoteShare = steps / (double)ranks;
        return Pass(link.Seconds(traffic.ForwardBytes) / steps, forwardComputeSeconds * remoteShare)
            + Pass(link.Seconds(traffic.BackwardBytes) / steps, forwardComputeSeconds * AttentionWork.BackwardOverForward * remoteShare);

        double Pass(double transfer, double remoteCompute)
        {
            double step = transfer + StepLatencySeconds;
            double hiddenPerStep = busy == 0 ? 0 : remoteCompute / busy;
            return ((steps - busy) * step) + (busy * Math.Max(0, step - hiddenPerStep));
        }
    }

    private static bool HeadsSplit(RingProblem problem, int members) =>
        problem.QueryHeads % members == 0
        && (problem.KeyValueHeads % members == 0 || members % problem.KeyValueHeads == 0);
}
