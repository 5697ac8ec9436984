namespace RingAttention.BindingsGen.Parsing;

/// <summary>
/// Finds the comment that documents a <c>#define</c>. Clang attaches comments to declarations only, never to
/// macros, so this reads the header text: a comment on the macro's own line wins, else the comment block that ends
/// on the line just above it.
/// </summary>
internal static class SourceComments
{
    /// <param name="lines">The header's lines.</param>
    /// <param name="line">1-based line of the <c>#define</c>.</param>
    public static string? ForMacro(IReadOnlyList<string> lines, int line)
    {
        int index = line - 1;
        if (index < 0 || index >= lines.Count)
        {
            return null;
        }

        string own = lines[index];
        int trailing = IndexOfComment(own);
        if (trailing >= 0)
        {
            return own[trailing..].Trim();
        }

        int end = index - 1;
        if (end < 0)
        {
            return null;
        }

        string above = lines[end].Trim();
        if (above.StartsWith("//", StringComparison.Ordinal))
        {
            int start = end;
            while (start > 0 && lines[start - 1].TrimStart().StartsWith("//", StringComparison.Ordinal))
            {
                start--;
            }

            return string.Join('\n', lines.Skip(start).Take(end - start + 1));
        }

        if (above.EndsWith("*/", StringComparison.Ordinal))
        {
            int start = end;
            while (start >= 0 && !lines[start].Contains("/*", StringComparison.Ordinal))
            {
                start--;
            }

            // Only a comment that stands on its own lines; "#define A 1 /* doc of A */" documents A, not the next macro.
            return start < 0 || !lines[start].TrimStart().StartsWith("/*", StringComparison.Ordinal)
                ? null
                : string.Join('\n', lines.Skip(start).Take(end - start + 1));
        }

        return null;
    }

    /// <summary>Start of a comment on a line of code, ignoring comment markers inside string literals.</summary>
    private static int IndexOfComment(string line)
    {
        bool inString = false;
        for (int i = 0; i < line.Length - 1; i++)
        {
            char c = line[i];
            if (c == '"' && (i == 0 || line[i - 1] != '\\'))
            {
                inString = !inString;
            }
            else if (!inString && c == '/' && (line[i + 1] == '*' || line[i + 1] == '/'))
            {
                return i;
            }
        }

        return -1;
    }
}
