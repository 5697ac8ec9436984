namespace RingAttention.Cli.Launch;

/// <summary>
/// Writes whole lines to one destination from many ranks' output pumps: each line is one locked write, so lines
/// of different ranks never interleave inside a line.
/// </summary>
internal sealed class LineWriter
{
    private readonly TextWriter _target;
    private readonly Lock _gate = new();

    /// <summary>Creates a writer over <paramref name="target"/>.</summary>
    public LineWriter(TextWriter target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
    }

    /// <summary>Writes <paramref name="line"/> and a newline, then flushes so the line shows up now, not when a buffer fills.</summary>
    public void WriteLine(string line)
    {
        lock (_gate)
        {
            _target.Write(line + "\n");
            _target.Flush();
        }
    }
}
