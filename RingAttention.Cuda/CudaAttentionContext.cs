using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// A cuDNN attention context on one device: a cuDNN handle and the cache of built SDPA graphs. Plans on the
/// same device may share one, so that a graph built for one plan is reused by the next. Thread-safe (the shim
/// serializes calls on a context).
/// </summary>
public sealed unsafe class CudaAttentionContext : IDisposable
{
    /// <summary>Creates a context on CUDA device <paramref name="device"/>.</summary>
    public CudaAttentionContext(int device = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(device);
        ShimStatus.Check(NativeMethods.ringattn_context_create(device, out SafeContextHandle handle));
        Handle = handle;
        Device = device;
        // Every shape of a plan (3 forward and 3 backward at most per problem) should stay cached.
        ShimStatus.Check(NativeMethods.ringattn_context_set_cache_capacity(Handle, 1024));
    }

    /// <summary>The CUDA device.</summary>
    public int Device { get; }

    internal SafeContextHandle Handle { get; }

    /// <summary>The graph cache's counters.</summary>
    public GraphCacheStats GetCacheStats()
    {
        long builds = 0, hits = 0, entries = 0;
        ShimStatus.Check(NativeMethods.ringattn_sdpa_cache_stats(Handle, &builds, &hits, &entries));
        return new GraphCacheStats(builds, hits, entries);
    }

    /// <inheritdoc />
    public void Dispose() => Handle.Dispose();
}
