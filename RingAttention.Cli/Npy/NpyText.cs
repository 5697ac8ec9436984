using System.Text;

namespace RingAttention.Cli.Npy;

/// <summary>Helpers for quoting bytes from a file inside a one-line error message.</summary>
internal static class NpyText
{
    private const int MaxQuotedLength = 40;

    /// <summary>
    /// <paramref name="text"/> with control characters escaped and cut to a short length, so that whatever a
    /// broken file holds, the message that quotes it stays one readable line.
    /// </summary>
    public static string Printable(string text)
    {
        var builder = new StringBuilder();
        foreach (char c in text.Length > MaxQuotedLength ? text[..MaxQuotedLength] : text)
        {
            _ = char.IsControl(c) ? builder.Append($"\\x{(int)c:x2}") : builder.Append(c);
        }

        if (text.Length > MaxQuotedLength)
        {
            builder.Append("...");
        }

        return builder.ToString();
    }
}
