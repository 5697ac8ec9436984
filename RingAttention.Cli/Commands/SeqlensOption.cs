using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace RingAttention.Cli.Commands;

/// <summary>
/// <c>--seqlens L1,L2,...</c>: the lengths of the packed documents of <c>--layout thd</c>, in packing order. Parsed
/// here (every length a positive integer, the index and value named otherwise); how it goes with the other options is
/// checked by <see cref="PackedLayoutRules"/>. Both are parse errors (exit code 2) before any file is opened.
/// </summary>
internal static class SeqlensOption
{
    /// <summary>The option's name.</summary>
    public const string Name = "--seqlens";

    /// <summary>Creates the option.</summary>
    public static Option<int[]?> Create() => new(Name)
    {
        Description = "With --layout thd: the packed documents' lengths in packing order (cu_seqlens' differences), e.g. 3000,1096; "
            + "they add up to T, the files' token axis. Each document is balanced over the ranks on its own with --balance.",
        HelpName = "L1,L2,...",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = Parse,
    };

    /// <summary>Parses the lengths; null with <paramref name="error"/> set when one is not a positive integer or they add up past int.MaxValue.</summary>
    public static int[]? TryParse(string text, out string error)
    {
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"{Name} is empty: give the documents' lengths, e.g. {Name} 3000,1096";
            return null;
        }

        string[] parts = text.Split(',');
        var lengths = new int[parts.Length];
        long total = 0;
        for (int d = 0; d < parts.Length; d++)
        {
            string part = parts[d].Trim();
            if (!long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long length) || length < 1 || length > int.MaxValue)
            {
                error = Text($"{Name}[{d}] is '{part}': every document length must be a positive integer of at most {int.MaxValue} (empty documents are not allowed: drop them)");
                return null;
            }

            lengths[d] = (int)length;
            total += length;
        }

        if (total > int.MaxValue)
        {
            error = Text($"{Name} add up to {total} tokens, more than {int.MaxValue}");
            return null;
        }

        return lengths;
    }

    private static int[]? Parse(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        int[]? lengths = TryParse(text, out string error);
        if (lengths is null)
        {
            result.AddError(error);
        }

        return lengths;
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
