namespace RingAttention;

/// <summary>The forward's result on full sequences: O like Q, and the fp32 LSE as [B, Hq, S].</summary>
/// <param name="Output">O.</param>
/// <param name="Lse">Natural-log sum of exp of the scaled scores of each query row.</param>
public sealed record AttentionOutput(float[] Output, float[] Lse);

/// <summary>The backward's result on full sequences.</summary>
/// <param name="QueryGradient">dQ, like Q.</param>
/// <param name="KeyGradient">dK, like K.</param>
/// <param name="ValueGradient">dV, like V.</param>
public sealed record AttentionGradients(float[] QueryGradient, float[] KeyGradient, float[] ValueGradient);
