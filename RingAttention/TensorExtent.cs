namespace RingAttention;

/// <summary>Which of the problem's three tensor sizes a bundled tensor must have: what its check compares it against.</summary>
internal enum TensorExtent
{
    /// <summary>Shaped like Q: [B, L, Hq, D] (Q, O, dO, dQ).</summary>
    Query,

    /// <summary>Shaped like K: [B, L, Hkv, D] (K, V, dK, dV).</summary>
    KeyValuePlane,

    /// <summary>The fp32 log-sum-exp, [B, Hq, L].</summary>
    Lse,
}
