namespace RingAttention;

/// <summary>Which query-key pairs may attend, on the full (global) sequence.</summary>
public enum AttentionMask
{
    /// <summary>Every query sees every key.</summary>
    None = 0,

    /// <summary>A query at global position i sees keys at positions j &lt;= i.</summary>
    Causal = 1,
}
