namespace RingAttention.Backends;

/// <summary>
/// What one ring step's kernel writes before it is merged into the running sums: O and LSE in the forward, dQ and
/// the stacked dK/dV in the backward. The forward and the backward never run at once, so a backend may let the
/// Q-shaped <see cref="Output"/> and <see cref="QueryGradient"/> share memory.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal sealed class StepPartials<TTensor>
{
    /// <summary>O of one step, Q-shaped, in the compute precision.</summary>
    public required TTensor Output { get; init; }

    /// <summary>LSE of one step, fp32 [B, Hq, L].</summary>
    public required TTensor Lse { get; init; }

    /// <summary>dQ of one step, Q-shaped.</summary>
    public required TTensor QueryGradient { get; init; }

    /// <summary>Stacked dK/dV of one step.</summary>
    public required TTensor KeyValueGradient { get; init; }
}
