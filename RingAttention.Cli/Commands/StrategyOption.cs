using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace RingAttention.Cli.Commands;

/// <summary>What <c>--strategy</c> asks for: one of the library's strategies, or the heuristic's choice.</summary>
internal enum StrategySelection
{
    /// <summary>ring: K/V blocks travel around the ring (the default).</summary>
    Ring,

    /// <summary>all-gather: K/V gathered once, dK/dV reduce-scattered.</summary>
    AllGather,

    /// <summary>all-to-all: heads exchanged (Ulysses).</summary>
    AllToAll,

    /// <summary>a2a+ring: all-to-all inside groups of --a2a-size ranks, a ring across the groups.</summary>
    AllToAllThenRing,

    /// <summary>auto: <see cref="ContextParallelStrategies.Choose"/> picks from the shapes.</summary>
    Auto,
}

/// <summary>
/// <c>--strategy ring|all-gather|all-to-all|a2a+ring|auto</c> and <c>--a2a-size K</c>: parsed, and checked against
/// <c>--cp</c> and <c>--balance</c> by <see cref="Validate"/>, so each mistake the
/// options alone show is one parse error (exit code 2). Mistakes that need the heads (from the files' headers) are
/// reported by <see cref="Running.RunProblemBuilder"/>, still before any data is read.
/// </summary>
internal static class StrategyOption
{
    /// <summary>The option's name.</summary>
    public const string Name = "--strategy";

    /// <summary>The inner group size's option name.</summary>
    public const string SizeName = "--a2a-size";

    private const string AllToAllThenRingName = "a2a+ring";

    /// <summary>--strategy values (part of the CLI contract).</summary>
    public static IReadOnlyDictionary<string, StrategySelection> Choices { get; } = new Dictionary<string, StrategySelection>(StringComparer.Ordinal)
    {
        ["ring"] = StrategySelection.Ring,
        ["all-gather"] = StrategySelection.AllGather,
        ["all-to-all"] = StrategySelection.AllToAll,
        [AllToAllThenRingName] = StrategySelection.AllToAllThenRing,
        ["auto"] = StrategySelection.Auto,
    };

    /// <summary>Creates --strategy.</summary>
    public static Option<StrategySelection?> Create() => CliOptions.OptionalChoice(
        Name,
        "How the ranks share the work (default ring): all-gather gathers K/V once; all-to-all exchanges heads (Hq and Hkv divisible by --cp, or --cp by Hkv); "
            + "a2a+ring runs all-to-all inside groups of --a2a-size ranks and a ring across them; auto applies the library's heuristic and prints its choice on stderr.",
        Choices);

    /// <summary>Creates --a2a-size.</summary>
    public static Option<int> CreateSize() => CliOptions.PositiveInt(
        SizeName, "With --strategy a2a+ring: the all-to-all group size K, a divisor of --cp.", defaultValue: 0);

    /// <summary>The command-line name of a library strategy.</summary>
    public static string NameOf(ContextParallelStrategy strategy) => strategy switch
    {
        ContextParallelStrategy.AllGather => "all-gather",
        ContextParallelStrategy.AllToAll => "all-to-all",
        ContextParallelStrategy.AllToAllThenRing => AllToAllThenRingName,
        _ => "ring",
    };

    /// <summary>The library strategy of <paramref name="selection"/>; null for auto.</summary>
    public static ContextParallelStrategy? ToStrategy(StrategySelection selection) => selection switch
    {
        StrategySelection.AllGather => ContextParallelStrategy.AllGather,
        StrategySelection.AllToAll => ContextParallelStrategy.AllToAll,
        StrategySelection.AllToAllThenRing => ContextParallelStrategy.AllToAllThenRing,
        StrategySelection.Auto => null,
        _ => ContextParallelStrategy.Ring,
    };

    /// <summary>Checks --a2a-size against --strategy and --cp, and the hierarchy against --balance.</summary>
    public static void Validate(CommandResult result, Option<StrategySelection?> strategy, Option<int> size, Option<int> ringSize, Option<LoadBalancing> balance)
    {
        // Read the tokens, not the values: a value that failed to parse has its own error already.
        string? strategyText = Token(result, strategy);
        StrategySelection? selection = strategyText is not null && Choices.TryGetValue(strategyText, out StrategySelection s) ? s : null;
        if (strategyText is not null && selection is null)
        {
            return;
        }

        int? k = Int(Token(result, size));
        if (Token(result, size) is not null && selection != StrategySelection.AllToAllThenRing)
        {
            string given = strategyText is null ? "without --strategy" : $"with {Name} {strategyText}";
            result.AddError($"{SizeName} is the all-to-all group size of {Name} {AllToAllThenRingName} only; it was given {given}");
            return;
        }

        int? n = Int(Token(result, ringSize));
        string? balanceText = Token(result, balance);
        bool striped = balanceText is not null && CliChoices.Balances.TryGetValue(balanceText, out LoadBalancing b) && b == LoadBalancing.Striped;
        if (selection == StrategySelection.AllToAllThenRing)
        {
            ValidateHierarchy(result, k, n, striped);
        }
    }

    private static void ValidateHierarchy(CommandResult result, int? k, int? n, bool striped)
    {
        if (k is null)
        {
            result.AddError($"{Name} {AllToAllThenRingName} needs {SizeName} K, the all-to-all group size (a divisor of --cp)");
            return;
        }

        if (k < 1 || n is null || n < 1)
        {
            return;
        }

        if (n % k != 0)
        {
            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{SizeName} {k} must divide --cp {n} ({Name} {AllToAllThenRingName} makes --cp / {SizeName} groups of {SizeName} ranks)"));
        }
        else if (striped && k > 1 && k < n)
        {
            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{Name} {AllToAllThenRingName} {SizeName} {k} with --cp {n} keeps the ring's layout only for --balance dual-chunk or none, got --balance striped; use ring, all-gather or all-to-all with striped"));
        }
    }

    private static string? Token(CommandResult result, Option option) =>
        result.GetResult(option) is { Tokens.Count: > 0 } optionResult ? optionResult.Tokens[0].Value : null;

    private static int? Int(string? text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) ? value : null;
}
