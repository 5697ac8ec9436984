namespace RingAttention.Tests.Distributed;

/// <summary>
/// A fake process environment written as "NAME=value" assignments (a later one wins, as in a shell);
/// records every name that was read.
/// </summary>
internal sealed class EnvironmentTable
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public EnvironmentTable(params string[] assignments)
    {
        foreach (string[] pair in assignments.Select(a => a.Split('=', 2)))
        {
            _values[pair[0]] = pair[1];
        }
    }

    public HashSet<string> Read { get; } = new(StringComparer.Ordinal);

    public string[] Assignments => [.. _values.Select(p => $"{p.Key}={p.Value}")];

    public string? Get(string name)
    {
        // The shared tables are read by test classes running in parallel.
        lock (Read)
        {
            Read.Add(name);
        }

        return _values.GetValueOrDefault(name);
    }

    public EnvironmentTable With(params string[] assignments) => new([.. Assignments, .. assignments]);

    public EnvironmentTable Without(string name) => new([.. Assignments.Where(a => !a.StartsWith(name + "=", StringComparison.Ordinal))]);
}
