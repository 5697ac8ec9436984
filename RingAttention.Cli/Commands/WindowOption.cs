using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace RingAttention.Cli.Commands;

/// <summary>The sides given to <c>--window</c>: L, or L,R; -1 is an unbounded side.</summary>
/// <param name="Left">Keys visible before a query, or -1.</param>
/// <param name="Right">Keys visible after a query, or -1; null when only L was given.</param>
internal readonly record struct WindowSides(int Left, int? Right)
{
    /// <summary>The window for <paramref name="mask"/>: causal takes (L, 0); the command's validator has checked the rest.</summary>
    public AttentionWindow For(AttentionMask mask) => new(Left, mask == AttentionMask.Causal ? 0 : Right ?? AttentionWindow.Unbounded);
}

/// <summary>
/// <c>--window L[,R]</c>: a sliding window on the original token positions. Parsed here, and checked against
/// <c>--mask</c> by <see cref="Validate"/>, so every mistake is one parse error (exit code 2).
/// </summary>
internal static class WindowOption
{
    private const string Name = "--window";

    /// <summary>Creates the option.</summary>
    public static Option<WindowSides?> Create() => new(Name)
    {
        Description = "Sliding window on the original token positions: the query at i sees keys i-L..i+R (-1: unbounded side). "
            + "With --mask causal give L (or L,0); with --mask none give L,R.",
        HelpName = "L[,R]",
        CustomParser = Parse,
    };

    /// <summary>Checks the window against the mask (causal: R is 0; none: R is required).</summary>
    public static void Validate(CommandResult result, Option<WindowSides?> window, Option<AttentionMask> mask)
    {
        if (result.GetResult(window) is not { Tokens.Count: > 0 } windowResult || result.GetResult(mask) is not { Tokens.Count: > 0 } maskResult)
        {
            return;
        }

        // Read the tokens, not the values: a value that failed to parse has its own error already.
        if (TryParse(windowResult.Tokens[0].Value, out WindowSides sides, out _) && CliChoices.Masks.TryGetValue(maskResult.Tokens[0].Value, out AttentionMask kind))
        {
            if (kind == AttentionMask.Causal && sides.Right is int right && right != 0)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{Name} with --mask causal takes L or L,0 (a query sees no later key), got R = {right}"));
                return;
            }

            if (kind == AttentionMask.None && sides.Right is null)
            {
                result.AddError($"{Name} with --mask none needs both sides: {Name} L,R (-1 for an unbounded side)");
                return;
            }
        }
    }

    private static WindowSides? Parse(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParse(text, out WindowSides sides, out string? error))
        {
            return sides;
        }

        result.AddError(error);
        return null;
    }

    private static bool TryParse(string text, out WindowSides sides, out string error)
    {
        sides = default;
        error = $"{Name} must be L or L,R with integers of -1 (unbounded) or more, got '{text}'";
        string[] parts = text.Split(',');
        if (parts.Length > 2 || !TrySide(parts[0], out int left))
        {
            return false;
        }

        int? right = null;
        if (parts.Length == 2)
        {
            if (!TrySide(parts[1], out int r))
            {
                return false;
            }

            right = r;
        }

        sides = new WindowSides(left, right);
        return true;
    }

    private static bool TrySide(string text, out int side) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out side) && side >= AttentionWindow.Unbounded;
}
