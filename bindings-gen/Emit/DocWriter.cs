using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Emit;

/// <summary>Writes a <see cref="DocComment"/> as XML doc comments, escaping what XML reserves.</summary>
internal static class DocWriter
{
    /// <param name="writer">Where to write.</param>
    /// <param name="doc">The parsed header comment, or null.</param>
    /// <param name="fallbackSummary">Used when the header has no comment (plain text; escaped here).</param>
    /// <param name="remarks">Extra plain-text remarks (e.g. the C layout), or null.</param>
    /// <param name="parameterNames">For functions: the C# parameter names, so <c>@param</c> for unknown names is dropped.</param>
    public static void Write(CodeWriter writer, DocComment? doc, string fallbackSummary, string? remarks = null, IReadOnlyList<string>? parameterNames = null)
    {
        IReadOnlyList<string> summary = doc is { Summary.Count: > 0 } ? doc.Summary : [fallbackSummary];
        writer.Line("/// <summary>");
        foreach (string paragraph in summary)
        {
            if (summary.Count > 1)
            {
                writer.Line("/// <para>");
            }

            foreach (string line in paragraph.Split('\n'))
            {
                writer.Line("/// " + DocComment.EscapeXml(line));
            }

            if (summary.Count > 1)
            {
                writer.Line("/// </para>");
            }
        }

        writer.Line("/// </summary>");

        if (parameterNames is not null && doc is not null)
        {
            foreach ((string name, string text) in doc.Parameters)
            {
                string? csharpName = parameterNames.FirstOrDefault(p => p.TrimStart('@') == name);
                if (csharpName is not null)
                {
                    writer.Line($"/// <param name=\"{csharpName.TrimStart('@')}\">{DocComment.EscapeXml(text)}</param>");
                }
            }
        }

        if (doc?.Returns is { } returns)
        {
            writer.Line($"/// <returns>{DocComment.EscapeXml(returns)}</returns>");
        }

        if (remarks is not null)
        {
            writer.Line($"/// <remarks>{DocComment.EscapeXml(remarks)}</remarks>");
        }
    }
}
