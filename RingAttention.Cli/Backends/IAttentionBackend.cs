namespace RingAttention.Cli.Backends;

/// <summary>
/// A planned ring for one <see cref="RingProblem"/> working on full sequences in natural token order. The CLI
/// only talks to this, so a GPU backend plugs in by implementing it and registering in <see cref="AttentionBackends"/>.
/// </summary>
internal interface IAttentionBackend : IDisposable
{
    /// <summary>A short description for summaries, e.g. "cpu (4 threads)".</summary>
    string Description { get; }

    /// <summary>O (like Q) and LSE (fp32 [B, Hq, S]).</summary>
    AttentionOutput Forward(float[] query, float[] key, float[] value);

    /// <summary>dQ, dK, dV from the forward's O and LSE and the output gradient dO.</summary>
    AttentionGradients Backward(float[] query, float[] key, float[] value, float[] output, float[] lse, float[] outputGradient);
}
