namespace RingAttention.Cuda;

/// <summary>How often a context built a cuDNN graph and how often a call found its graph cached.</summary>
/// <param name="Builds">Graphs built so far.</param>
/// <param name="Hits">Calls that found their graph in the cache.</param>
/// <param name="Entries">Graphs the cache holds now.</param>
public readonly record struct GraphCacheStats(long Builds, long Hits, long Entries);
