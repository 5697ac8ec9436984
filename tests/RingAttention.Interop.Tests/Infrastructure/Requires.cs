namespace RingAttention.Interop.Tests.Infrastructure;

/// <summary>Skips a test, with the reason, when what it needs is not on this machine.</summary>
internal static class Requires
{
    /// <summary>The C compiler (for fake shims and layout checks).</summary>
    public static void CCompiler()
    {
        string? reason = Infrastructure.CCompiler.MissingReason;
        Assert.SkipWhen(reason is not null, reason ?? string.Empty);
    }

    /// <summary>
    /// The real libringattn_shim.so, loaded and ABI-checked (set RINGATTN_NATIVE_PATH to it). Enough for the
    /// calls that work without a GPU: versions, status names, argument errors.
    /// </summary>
    public static void Shim()
    {
        bool loaded = ShimLibrary.TryEnsureLoaded(out Exception? error);
        Assert.SkipUnless(loaded, $"the native shim is not available (set {ShimLibrary.PathVariable} to libringattn_shim.so): {error?.Message}");
    }

    /// <summary>The shim and at least one CUDA device.</summary>
    public static void Gpu()
    {
        bool available = NativeRuntime.IsAvailable(out string reason);
        Assert.SkipUnless(available, "no GPU path: " + reason);
    }
}
