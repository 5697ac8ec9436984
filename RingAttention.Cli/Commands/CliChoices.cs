using RingAttention.Cli.Backends;

namespace RingAttention.Cli.Commands;

/// <summary>The command-line spelling of every enum value the CLI accepts (part of the CLI contract).</summary>
internal static class CliChoices
{
    /// <summary>--backend values.</summary>
    public static IReadOnlyDictionary<string, BackendKind> Backends { get; } = Ordinal(("cpu", BackendKind.Cpu), ("cuda", BackendKind.Cuda));

    /// <summary>--dtype values.</summary>
    public static IReadOnlyDictionary<string, ElementPrecision> Dtypes { get; } = Ordinal(
        ("bf16", ElementPrecision.BFloat16), ("fp16", ElementPrecision.Float16), ("fp32", ElementPrecision.Float32));

    /// <summary>--mask values.</summary>
    public static IReadOnlyDictionary<string, AttentionMask> Masks { get; } = Ordinal(("none", AttentionMask.None), ("causal", AttentionMask.Causal));

    /// <summary>--balance values.</summary>
    public static IReadOnlyDictionary<string, LoadBalancing> Balances { get; } = Ordinal(
        ("none", LoadBalancing.None), ("dual-chunk", LoadBalancing.DualChunk), ("striped", LoadBalancing.Striped));

    /// <summary>--layout values.</summary>
    public static IReadOnlyDictionary<string, TensorLayout> Layouts { get; } = Ordinal(
        ("bshd", TensorLayout.Bshd), ("sbhd", TensorLayout.Sbhd), ("thd", TensorLayout.Thd));

    /// <summary>The command-line name of <paramref name="value"/>.</summary>
    public static string NameOf<T>(IReadOnlyDictionary<string, T> choices, T value)
        where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(choices);
        return choices.First(pair => EqualityComparer<T>.Default.Equals(pair.Value, value)).Key;
    }

    private static Dictionary<string, T> Ordinal<T>(params (string Name, T Value)[] pairs) =>
        pairs.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
}
