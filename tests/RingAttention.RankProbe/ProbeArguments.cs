using System.Globalization;

namespace RingAttention.RankProbe;

/// <summary>The probe's "--name value" arguments, each read once with a default.</summary>
internal sealed class ProbeArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public ProbeArguments(string[] args)
    {
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            _values[args[i]] = args[i + 1];
        }
    }

    public string Text(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out string? text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out string? text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>--strategy ring|all-gather|all-to-all|a2a+ring (the CLI's names; default ring).</summary>
    public ContextParallelStrategy Strategy() => Text("--strategy", "ring") switch
    {
        "ring" => ContextParallelStrategy.Ring,
        "all-gather" => ContextParallelStrategy.AllGather,
        "all-to-all" => ContextParallelStrategy.AllToAll,
        "a2a+ring" => ContextParallelStrategy.AllToAllThenRing,
        string other => throw new ArgumentException("unknown --strategy " + other),
    };
}
