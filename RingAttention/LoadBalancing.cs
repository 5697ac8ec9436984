namespace RingAttention;

/// <summary>How the global sequence is split over the ring's ranks.</summary>
public enum LoadBalancing
{
    /// <summary>Contiguous shards: rank r holds tokens [rL, (r+1)L). Causal work is unbalanced.</summary>
    None = 0,

    /// <summary>
    /// Dual-chunk ("zigzag"): the sequence is cut into 2N chunks and rank r holds chunks r and 2N-1-r,
    /// so every rank does the same causal work at every step. Needs S divisible by 2N.
    /// </summary>
    DualChunk = 1,

    /// <summary>Striped: rank r holds tokens r, r+N, r+2N, ... (stripe size 1).</summary>
    Striped = 2,
}
