namespace RingAttention.Backends;

/// <summary>
/// Every buffer one rank's ring needs, planned once per problem so that a call allocates nothing.
/// Stacked K/V buffers hold K in the first plane and V in the second, each plane shaped like K
/// ([B, L, Hkv, D] in the problem's layout), so one transfer moves both and only the Hkv heads travel.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
public sealed class RingWorkspace<TTensor>
{
    /// <summary>The rank's own K/V, stacked.</summary>
    public required TTensor OwnKeyValue { get; init; }

    /// <summary>First travelling K/V buffer.</summary>
    public required TTensor KeyValueA { get; init; }

    /// <summary>Second travelling K/V buffer (double buffering: one is computed on while the other arrives).</summary>
    public required TTensor KeyValueB { get; init; }

    /// <summary>O of one step, Q-shaped, in the compute precision.</summary>
    public required TTensor PartialOutput { get; init; }

    /// <summary>LSE of one step, fp32 [B, Hq, L].</summary>
    public required TTensor PartialLse { get; init; }

    /// <summary>Running fp32 O.</summary>
    public required TTensor OutputAccumulator { get; init; }

    /// <summary>Running fp32 LSE.</summary>
    public required TTensor LseAccumulator { get; init; }

    /// <summary>dQ of one step.</summary>
    public required TTensor PartialQueryGradient { get; init; }

    /// <summary>Stacked dK/dV of one step.</summary>
    public required TTensor PartialKeyValueGradient { get; init; }

    /// <summary>Running fp32 dQ (never travels).</summary>
    public required TTensor QueryGradientAccumulator { get; init; }

    /// <summary>fp32 stacked dK/dV of the rank's own block (its diagonal step, then the arriving sum).</summary>
    public required TTensor OwnKeyValueGradient { get; init; }

    /// <summary>First travelling fp32 dK/dV accumulator.</summary>
    public required TTensor KeyValueGradientA { get; init; }

    /// <summary>Second travelling fp32 dK/dV accumulator.</summary>
    public required TTensor KeyValueGradientB { get; init; }
}
