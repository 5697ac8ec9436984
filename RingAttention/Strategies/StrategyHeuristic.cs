using static System.FormattableString;

namespace RingAttention.Strategies;

/// <summary>
/// Picks the context-parallel strategy for a problem from a model of the communication each one cannot hide.
/// </summary>
/// <remarks>
/// <para>The rule: among the strategies the problem allows, take the one with the least exposed communication time
/// per layer (forward + backward); on a tie take the simplest, in the order Ring, AllGather, AllToAll,
/// AllToAllThenRing (smaller inner size first).</para>
/// <para>Exposed time, from <see cref="TransferVolume"/> at the link's bandwidth, <see cref="AttentionWork"/> at the
/// GPU's attention throughput and a fixed <see cref="StepLatencySeconds"/> per ring step or collective call: the ring
/// overlaps each remote step's transfer with that step's compute, and only the steps that bring visible keys
/// (<see cref="AttentionWork.BusyRingSteps"/>) have compute to hide behind. All-gather and all-to-all run their
/// collectives before and after the attention (TE does not overlap them), so all their transfer time is exposed.
/// All-to-all then ring exposes its all-to-all plus its inner ring's unhidden part.</para>
/// <para>What follows from it: long sequences with dense masks hide the ring completely, so the ring wins. Short
/// sequences per rank leave too little compute per step: all-to-all moves each tensor once instead of N-1 times and
/// wins when the heads split (for MHA from N = 3; with g query heads per KV head only from N &gt; 2(g+1)/3). When N
/// exceeds Hkv the all-to-all must replicate K and V N/Hkv times, and a small all-to-all group with a ring across the
/// groups moves less. All-gather moves exactly the ring's bytes without overlap, so it wins only where the ring's
/// steps cannot hide anything and their count costs latency: a window much shorter than the shard leaves most ring
/// steps idle, and with few KV heads (where all-to-all would move Q and O, or replicate K and V) all-gather is best.
/// Allowed: AllGather always; AllToAll and AllToAllThenRing only with the head counts RingProblem.Validate accepts, and the latter not for
/// Striped. Not modelled: memory (all-gather holds N·(Ks+Vs) more), kernel efficiency of short blocks, separate
/// links inside and across nodes. /// The constants are assumptions to be replaced by GPU measurements.</para>
/// </remarks>
internal static class StrategyHeuristic
{
    /// <summary>
    /// Assumption: the fixed cost of one ring step or one collective call, 15 µs: NCCL's small-message latency on
    /// NVLink is some microseconds, plus the kernel launch and the stream synchronisation around it. Without it the
    /// model could never prefer all-gather, which moves exactly the ring's bytes without overlapping them.
    /// </summary>
    public const double StepLatencySeconds = 15e-6;

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
            return new StrategyChoice(ContextParallelStrategy.Ring, 0, 0, "Ring: a single rank moves nothing.");
        }

        double forwardCompute = AttentionWork.ForwardFlopsPerRank(ring) / flopsPerSecond;
        var costs = Candidates(ring)
            .Select(c => (c.Strategy, c.Size, Seconds: Exposed(ring, c.Strategy, c.Size, link, forwardCompute, bytesPerElement)))
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
        string reason = best.Strategy == ContextParallelStrategy.Ring
            ? Invariant($"Ring: least exposed communication ({ringSeconds * 1e3:0.###} ms per layer on {link.Name}); its steps overlap compute.")
            : Invariant($"{best.Strategy}{(best.Size > 0 ? Invariant($" (Na = {best.Size})") : string.Empty)}: least exposed communication, {best.Seconds * 1e3:0.###} ms per layer vs {ringSeconds * 1e3:0.###} ms for the ring on {link.Name}.");
        return new StrategyChoice(best.Strategy, best.Size, best.Seconds, reason);
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
