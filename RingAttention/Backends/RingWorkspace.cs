namespace RingAttention.Backends;

/// <summary>
/// Every buffer one rank's ring needs, planned once per problem so that a call allocates nothing.
/// Stacked K/V buffers hold K in the first plane and V in the second, each plane shaped like K
/// ([B, L, Hkv, D] in the problem's layout), so one transfer moves both and only the Hkv heads travel.
/// A ring of one needs none of them: its single step reads the caller's K and V and writes the caller's outputs.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal sealed class RingWorkspace<TTensor>
{
    /// <summary>The rank's own K/V, stacked: the first block it sends (its own step reads the caller's K and V).</summary>
    public required TTensor OwnKeyValue { get; init; }

    /// <summary>First travelling K/V buffer.</summary>
    public required TTensor KeyValueA { get; init; }

    /// <summary>Second travelling K/V buffer (double buffering: one is computed on while the other arrives).</summary>
    public required TTensor KeyValueB { get; init; }

    /// <summary>
    /// The partials of even steps. A backend that merges a step's partials beside the next step's kernel (the GPU, on a
    /// second stream) needs a second set; one whose merges finish before the next kernel starts (the CPU) may give the
    /// same set twice.
    /// </summary>
    public required StepPartials<TTensor> PartialsA { get; init; }

    /// <summary>The partials of odd steps.</summary>
    public required StepPartials<TTensor> PartialsB { get; init; }

    /// <summary>Running fp32 O.</summary>
    public required TTensor OutputAccumulator { get; init; }

    /// <summary>Running fp32 LSE.</summary>
    public required TTensor LseAccumulator { get; init; }

    /// <summary>Running fp32 dQ (never travels).</summary>
    public required TTensor QueryGradientAccumulator { get; init; }

    /// <summary>fp32 stacked dK/dV of the rank's own block (its diagonal step, then the arriving sum).</summary>
    public required TTensor OwnKeyValueGradient { get; init; }

    /// <summary>First travelling fp32 dK/dV accumulator.</summary>
    public required TTensor KeyValueGradientA { get; init; }

    /// <summary>Second travelling fp32 dK/dV accumulator.</summary>
    public required TTensor KeyValueGradientB { get; init; }

    /// <summary>The partials step <paramref name="step"/> writes: the two sets alternate.</summary>
    public StepPartials<TTensor> PartialsFor(int step) => (step & 1) == 0 ? PartialsA : PartialsB;
}
