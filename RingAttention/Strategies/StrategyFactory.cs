using Microsoft.Extensions.Logging;

namespace RingAttention.Strategies;

/// <summary>
/// Picks and plans one rank's <see cref="IRankAttention{TTensor}"/> for <see cref="RingProblem.Strategy"/> from the
/// backend's pieces: what every backend calls once per rank, so that the strategies are written once.
/// </summary>
internal static class StrategyFactory
{
    /// <summary>
    /// The rank's strategy. A strategy that degenerates to a ring is planned as one (AllGather on one rank,
    /// AllToAllThenRing with Na = 1, AllToAll on one rank): a job of one rank is then exactly one kernel call.
    /// </summary>
    public static IRankAttention<TTensor> Create<TTensor>(RingProblem problem, IStrategyBackend<TTensor> backend, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(backend);
        problem.Validate();
        int ranks = problem.RingSize;
        int inner = problem.Strategy switch
        {
            ContextParallelStrategy.AllToAll => ranks,
            ContextParallelStrategy.AllToAllThenRing => problem.AllToAllSize,
            _ => 1,
        };
        if (problem.Strategy == ContextParallelStrategy.AllGather && ranks > 1)
        {
            return new AllGatherLoop<TTensor>(problem, backend);
        }

        if (inner > 1)
        {
            return new HeadExchangeLoop<TTensor>(problem, inner, backend, logger);
        }

        return new RingLoop<TTensor>(
            problem,
            backend.CreateKernel(problem),
            backend.CreateRingTransport(RankGroup.All(ranks)),
            backend.CreateOps(problem),
            backend.CreateWorkspace(problem),
            logger);
    }
}
