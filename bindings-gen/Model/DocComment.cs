using System.Text;
using System.Text.RegularExpressions;

namespace RingAttention.BindingsGen.Model;

/// <summary>
/// A header comment reduced to what XML docs can carry: summary paragraphs (with their line breaks), <c>@param</c> texts and the
/// <c>@return</c> text. Doxygen markers (<c>@brief</c>, <c>\param[in]</c>, ...) are understood; anything else is kept as text.
/// </summary>
internal sealed partial record DocComment(IReadOnlyList<string> Summary, IReadOnlyList<KeyValuePair<string, string>> Parameters, string? Returns)
{
    /// <summary>Parses the raw text of a C comment (with its <c>/* */</c> or <c>//</c> markers); null when nothing is left.</summary>
    public static DocComment? Parse(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var summary = new List<string>();
        var parameters = new List<KeyValuePair<string, string>>();
        string? returns = null;

        // Each section collects its lines; a blank line closes a summary paragraph.
        var current = new StringBuilder();
        string section = "summary";
        string? parameterName = null;

        void Flush()
        {
            // Summary paragraphs keep the header's line breaks (lists and wrapped text read as in C);
            // parameter and return texts become one line each.
            string text = section == "summary"
                ? string.Join('\n', current.ToString().Split('\n').Select(Collapse).Where(l => l.Length > 0))
                : Collapse(current.ToString());
            current.Clear();
            if (text.Length == 0)
            {
                return;
            }

            switch (section)
            {
                case "param":
                    parameters.Add(new(parameterName!, text));
                    break;
                case "return":
                    returns = returns is null ? text : returns + " " + text;
                    break;
                default:
                    summary.Add(text);
                    break;
            }
        }

        foreach (string rawLine in StripMarkers(raw))
        {
            string line = rawLine.Trim();
            if (line.Length == 0)
            {
                Flush();
                section = "summary";
                continue;
            }

            Match tag = TagPattern().Match(line);
            if (tag.Success)
            {
                Flush();
                string name = tag.Groups["tag"].Value;
                line = line[tag.Length..].Trim();
                switch (name)
                {
                    case "param":
                        Match parameter = ParameterNamePattern().Match(line);
                        section = "param";
                        parameterName = parameter.Groups["name"].Value;
                        line = line[parameter.Length..].Trim();
                        break;
                    case "return":
                    case "returns":
                    case "retval":
                        section = "return";
                        break;
                    default:
                        // @brief, @note, @details, ...: keep the text in the summary.
                        section = "summary";
                        break;
                }
            }

            current.Append(line).Append('\n');
        }

        Flush();
        return summary.Count == 0 && parameters.Count == 0 && returns is null ? null : new DocComment(summary, parameters, returns);
    }

    /// <summary>The text lines of the comment without <c>/**</c>, <c>*/</c>, leading <c>*</c>, <c>///</c>, <c>//!</c> or <c>/**&lt;</c>.</summary>
    private static IEnumerable<string> StripMarkers(string raw)
    {
        foreach (string rawLine in raw.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            string line = rawLine.Trim();
            line = LineMarkerPattern().Replace(line, string.Empty);
            if (line.EndsWith("*/", StringComparison.Ordinal))
            {
                line = line[..^2];
            }

            yield return line.TrimEnd('*', ' ');
        }
    }

    private static string Collapse(string text) => WhitespacePattern().Replace(text, " ").Trim();

    /// <summary>Escapes the characters XML docs reserve.</summary>
    public static string EscapeXml(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    // Opening markers: "/**<", "/*!<", "/**", "/*!", "/*", "///<", "//!<", "///", "//!", "//", and a continuation "*".
    [GeneratedRegex(@"^(/\*[*!]?<?|//[/!]?<?|\*(?!/))\s?")]
    private static partial Regex LineMarkerPattern();

    [GeneratedRegex(@"^[@\\](?<tag>\w+)\b")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(\[[a-z, ]+\]\s*)?(?<name>\w+)")]
    private static partial Regex ParameterNamePattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
