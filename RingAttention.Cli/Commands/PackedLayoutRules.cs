using System.CommandLine;
using System.CommandLine.Parsing;

namespace RingAttention.Cli.Commands;

/// <summary>
/// How <c>--layout thd</c> and <c>--seqlens</c> go with the other options of <c>ringattn run</c>: they come together
/// (every backend, strategy and --distributed runs packed documents). Each mistake is a parse error (exit code 2)
/// before any file is opened; the file shapes against the lengths are checked by <see cref="Running.PackedProblemBuilder"/>.
/// </summary>
internal static class PackedLayoutRules
{
    private const string Thd = "--layout thd";

    /// <summary>Adds one error per rule <paramref name="result"/> breaks.</summary>
    public static void Validate(CommandResult result, Option<TensorLayout?> layout, Option<int[]?> seqlens)
    {
        // Read the tokens, not the values: a value that failed to parse has its own error already.
        string? layoutText = Token(result, layout);
        if (layoutText is not null && !CliChoices.Layouts.ContainsKey(layoutText))
        {
            return;
        }

        bool packed = layoutText is not null && CliChoices.Layouts[layoutText] == TensorLayout.Thd;
        bool hasLengths = result.GetResult(seqlens) is not null;
        if (!packed)
        {
            if (hasLengths)
            {
                string given = layoutText is null ? "without --layout (bshd)" : $"with --layout {layoutText}";
                result.AddError($"{SeqlensOption.Name} gives the lengths of packed documents and needs {Thd}; it was given {given}");
            }

            return;
        }

        if (!hasLengths)
        {
            result.AddError($"{Thd} needs {SeqlensOption.Name} L1,L2,... (the packed documents' lengths, adding up to T of the [T, H, D] files)");
        }

    }

    private static string? Token(CommandResult result, Option option) =>
        result.GetResult(option) is { Tokens.Count: > 0 } optionResult ? optionResult.Tokens[0].Value : null;
}
