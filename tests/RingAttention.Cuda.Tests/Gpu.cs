[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace RingAttention.Cuda.Tests;

/// <summary>
/// The GPU gate: a test that needs the native shim and a CUDA device calls <see cref="Require"/> first and is skipped
/// with the probe's reason where either is missing (set RINGATTN_NATIVE_PATH to libringattn_shim.so or its folder).
/// </summary>
internal static class Gpu
{
    private static readonly Lazy<(bool Available, string Reason)> Probe = new(() =>
    {
        bool available = CudaRingAttention.IsSupported(out string reason);
        return (available, reason);
    });

    private static readonly Lazy<CudaAttentionContext> SharedContext = new(() => new CudaAttentionContext(0));

    /// <summary>Skips the calling test unless the shim loads and a CUDA device is visible.</summary>
    public static void Require()
    {
        (bool available, string reason) = Probe.Value;
        if (!available)
        {
            Assert.Skip("GPU test skipped: " + reason);
        }
    }

    /// <summary>One cuDNN context (graph cache) for the whole run, on device 0; never disposed (cuDNN handles are leaked at exit on purpose).</summary>
    public static CudaAttentionContext Context => SharedContext.Value;
}
