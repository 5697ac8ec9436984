using System.Globalization;

namespace RingAttention.Cli.Launch;

/// <summary>Copies a rank's redirected stdout or stderr line by line, each line prefixed with the rank.</summary>
internal static class PrefixedOutput
{
    /// <summary>"[rank 3] ": what every line of rank 3 starts with.</summary>
    public static string Prefix(int rank) => string.Create(CultureInfo.InvariantCulture, $"[rank {rank}] ");

    /// <summary>
    /// Copies until the stream ends (every writer closed it: the rank and anything it started). A last line
    /// without a newline is written with one. Ends quietly when the stream is closed under it.
    /// </summary>
    public static async Task CopyAsync(StreamReader source, string prefix, LineWriter target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        try
        {
            while (await source.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                target.WriteLine(prefix + line);
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException)
        {
            // The launcher stopped waiting for this stream (a process the rank started still held it) and closed it.
        }
    }
}
