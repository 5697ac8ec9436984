using RingAttention.Cli.Commands;
using static System.FormattableString;

namespace RingAttention.Cli.Running;

/// <summary>
/// Applies --strategy and --a2a-size to a problem that the ring accepts: sets the chosen strategy (auto: the library's
/// heuristic), and turns the library's refusal of a strategy for these heads into one line naming the options and
/// the files the heads came from.
/// </summary>
internal static class StrategyResolver
{
    /// <summary>
    /// <paramref name="ring"/> (validated, Strategy = Ring) set to the requested strategy; <paramref name="auto"/> is the
    /// heuristic's recommendation when --strategy auto, else null.
    /// </summary>
    /// <exception cref="CliUsageException">The strategy cannot split these heads over these ranks.</exception>
    public static RingProblem Apply(RunRequest request, RingProblem ring, TensorInfo query, TensorInfo key, LinkKind link, out StrategyRecommendation? auto)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        if (request.Strategy is not ContextParallelStrategy strategy)
        {
            auto = ContextParallelStrategies.Choose(ring, link);
            return auto.ApplyTo(ring);
        }

        auto = null;
        RingProblem problem = ring with { Strategy = strategy, AllToAllSize = request.AllToAllSize };
        try
        {
            problem.Validate();
        }
        catch (ArgumentException e)
        {
            string sizeText = strategy == ContextParallelStrategy.AllToAllThenRing ? Invariant($" {StrategyOption.SizeName} {request.AllToAllSize}") : string.Empty;
            string message = e.ParamName is null ? e.Message : e.Message.Split('\n')[0].TrimEnd('\r').Replace($" (Parameter '{e.ParamName}')", string.Empty, StringComparison.Ordinal);
            throw new CliUsageException(Invariant(
                $"{StrategyOption.Name} {StrategyOption.NameOf(strategy)}{sizeText} with --cp {ring.RingSize} cannot split Hq = {ring.QueryHeads} ({query.Name}) and Hkv = {ring.KeyValueHeads} ({key.Name}): {message}"));
        }

        return problem;
    }

    /// <summary>The line --strategy auto prints on stderr: the choice as options, then the heuristic's reason.</summary>
    public static string Notice(StrategyRecommendation recommendation)
    {
        ArgumentNullException.ThrowIfNull(recommendation);
        string size = recommendation.Strategy == ContextParallelStrategy.AllToAllThenRing
            ? Invariant($" {StrategyOption.SizeName} {recommendation.AllToAllSize}")
            : string.Empty;
        return $"{CliApp.Name}: {StrategyOption.Name} auto chose {StrategyOption.NameOf(recommendation.Strategy)}{size}: {recommendation.Reason}";
    }
}
