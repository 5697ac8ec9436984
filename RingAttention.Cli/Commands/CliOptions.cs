using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace RingAttention.Cli.Commands;

/// <summary>
/// Option factories that check values while parsing, so a bad value becomes one parse error naming the option
/// instead of an exception later.
/// </summary>
internal static class CliOptions
{
    /// <summary>A required option taking one of <paramref name="choices"/>' names.</summary>
    public static Option<T> RequiredChoice<T>(string name, string description, IReadOnlyDictionary<string, T> choices)
        where T : struct, Enum
    {
        var option = new Option<T>(name)
        {
            Description = description,
            HelpName = string.Join('|', choices.Keys),
            Required = true,
            CustomParser = result => ParseChoice(result, name, choices) ?? default,
        };
        option.CompletionSources.Add([.. choices.Keys]);
        return option;
    }

    /// <summary>
    /// An optional option taking one of <paramref name="choices"/>' names; null when absent. The caller applies
    /// the default, because help would print a DefaultValueFactory's value by its C# name ("Cpu"), which the
    /// parser does not accept; the description says the default instead.
    /// </summary>
    public static Option<T?> OptionalChoice<T>(string name, string description, IReadOnlyDictionary<string, T> choices)
        where T : struct, Enum
    {
        var option = new Option<T?>(name)
        {
            Description = description,
            HelpName = string.Join('|', choices.Keys),
            CustomParser = result => ParseChoice(result, name, choices),
        };
        option.CompletionSources.Add([.. choices.Keys]);
        return option;
    }

    /// <summary>An integer option that must be at least 1 and at most <paramref name="maximum"/>.</summary>
    public static Option<int> PositiveInt(string name, string description, int? defaultValue = null, int maximum = int.MaxValue, string? maximumReason = null)
    {
        var option = new Option<int>(name)
        {
            Description = description,
            Required = defaultValue is null,
            CustomParser = result =>
            {
                if (TryParseInt(result, name, out int value) && value < 1)
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be a positive integer, got {value}"));
                }
                else if (value > maximum)
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be at most {maximum} ({maximumReason}), got {value}"));
                }

                return value;
            },
        };
        if (defaultValue is int fallback)
        {
            option.DefaultValueFactory = _ => fallback;
        }

        return option;
    }

    /// <summary>An optional integer option (any value).</summary>
    public static Option<int?> OptionalInt(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => TryParseInt(result, name, out int value) ? value : null,
    };

    /// <summary>An optional float option that must be finite and positive.</summary>
    public static Option<float?> OptionalPositiveFloat(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = SingleToken(result);
            if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value) || value <= 0f)
            {
                result.AddError($"{name} must be a finite positive number, got '{text}'");
                return null;
            }

            return value;
        },
    };

    /// <summary>A file path option.</summary>
    public static Option<string> Path(string name, string description, bool required) => new(name)
    {
        Description = description,
        HelpName = "file.npy",
        Required = required,
    };

    private static bool TryParseInt(ArgumentResult result, string name, out int value)
    {
        string text = SingleToken(result);
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        // A number too large for int is a different mistake from a word, and saying so tells the user the limit.
        string digits = text.TrimStart('-', '+');
        if (digits.Length > 0 && digits.All(char.IsAsciiDigit))
        {
            result.AddError(text.StartsWith('-')
                ? string.Create(CultureInfo.InvariantCulture, $"{name} {text} is too small: integer options hold at least {int.MinValue}")
                : string.Create(CultureInfo.InvariantCulture, $"{name} {text} is too large: integer options hold at most {int.MaxValue}"));
        }
        else
        {
            result.AddError($"{name} must be an integer, got '{text}'");
        }

        return false;
    }

    /// <summary>The option's value token; the parser checks arity first, so a missing one only shows up as "".</summary>
    private static string SingleToken(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;

    private static T? ParseChoice<T>(ArgumentResult result, string name, IReadOnlyDictionary<string, T> choices)
        where T : struct, Enum
    {
        string text = SingleToken(result);
        if (choices.TryGetValue(text, out T value))
        {
            return value;
        }

        result.AddError($"{name}: unknown value '{text}'; expected one of: {string.Join(", ", choices.Keys)}");
        return null;
    }
}
