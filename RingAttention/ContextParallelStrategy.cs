namespace RingAttention;

/// <summary>
/// How the ranks share the attention of one sequence. Every strategy takes and returns the same rank-local shards
/// (the problem's <see cref="LoadBalancing"/> layout), so a model can switch strategy without re-sharding.
/// </summary>
public enum ContextParallelStrategy
{
    /// <summary>K/V blocks travel around a ring, one fused attention per step, partials merged through their LSE.</summary>
    Ring = 0,

    /// <summary>K/V gathered from every rank once; each local chunk attends to the keys it can see; dK/dV reduce-scattered.</summary>
    AllGather = 1,

    /// <summary>
    /// All-to-all over heads (Ulysses): Q, K, V move from sequence shards to head shards, one full-sequence attention
    /// per rank on its heads, O (and the gradients) move back. KV heads are replicated when Hkv does not divide by N.
    /// </summary>
    AllToAll = 2,

    /// <summary>All-to-all inside inner groups of <see cref="RingProblem.AllToAllSize"/> ranks, a ring across the groups.</summary>
    AllToAllThenRing = 3,
}
