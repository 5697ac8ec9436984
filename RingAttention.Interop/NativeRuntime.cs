using System.Globalization;

namespace RingAttention.Interop;

/// <summary>
/// Whether the native GPU path can run here, and what it runs on. Applications ask RingAttention.Cuda's
/// <c>CudaRingAttention.IsSupported</c>, which is built on <see cref="IsAvailable"/>, so they need not reference
/// these bindings.
/// </summary>
public static unsafe class NativeRuntime
{
    /// <summary>
    /// Checks, without throwing, that libringattn_shim.so and the libraries it needs load, that its ABI version
    /// matches these bindings and that at least one CUDA device is visible.
    /// </summary>
    /// <param name="reason">Why not, when false (loader messages included); what was found, when true.</param>
    /// <returns>True when GPU attention can run in this process.</returns>
    public static bool IsAvailable(out string reason)
    {
        try
        {
            if (!ShimLibrary.TryEnsureLoaded(out Exception? loadError))
            {
                reason = loadError!.Message;
                return false;
            }

            int count = 0;
            int status = NativeMethods.ringattn_cuda_device_count(&count);
            if (status != NativeConstants.RINGATTN_STATUS_OK)
            {
                reason = ShimStatus.CreateException(status, nameof(NativeMethods.ringattn_cuda_device_count), NativeText.LastError()).Message;
                return false;
            }

            if (count <= 0)
            {
                ringattn_versions versions = default;
                int driver = NativeMethods.ringattn_get_versions(&versions) == NativeConstants.RINGATTN_STATUS_OK ? versions.cuda_driver : 0;
                reason = driver == 0
                    ? $"{ShimLibrary.FileName} loaded from {ShimLibrary.LoadedPath}, but no NVIDIA driver was found (no CUDA device)."
                    : string.Create(CultureInfo.InvariantCulture, $"{ShimLibrary.FileName} loaded from {ShimLibrary.LoadedPath} and the driver supports CUDA {FormatCudaVersion(driver)}, but no CUDA device is visible (check CUDA_VISIBLE_DEVICES).");
                return false;
            }

            reason = string.Create(CultureInfo.InvariantCulture, $"{ShimLibrary.FileName} loaded from {ShimLibrary.LoadedPath}; {count} CUDA device(s) visible.");
            return true;
        }
#pragma warning disable CA1031 // A probe that must never throw: any failure is the answer "not available".
        catch (Exception e)
#pragma warning restore CA1031
        {
            reason = $"{e.GetType().Name}: {e.Message}";
            return false;
        }
    }

    /// <summary>The versions the shim reports. Works without a GPU (missing parts read 0).</summary>
    /// <exception cref="NativeLibraryLoadException">The shim or a library it needs could not be loaded.</exception>
    /// <exception cref="NativeAbiMismatchException">The shim's ABI version differs from the bindings'.</exception>
    public static NativeVersions GetVersions()
    {
        ShimLibrary.EnsureLoaded();
        ringattn_versions v = default;
        ShimStatus.Check(NativeMethods.ringattn_get_versions(&v));
        return new NativeVersions(v.shim, v.abi, v.cudnn_runtime, v.cudnn_compiled, v.cudnn_frontend,
            v.nccl_runtime, v.nccl_compiled, v.cuda_runtime, v.cuda_driver, ShimLibrary.LoadedPath ?? string.Empty);
    }

    /// <summary>The number of visible CUDA devices (0 without a driver).</summary>
    /// <exception cref="NativeLibraryLoadException">The shim or a library it needs could not be loaded.</exception>
    /// <exception cref="NativeAbiMismatchException">The shim's ABI version differs from the bindings'.</exception>
    public static int DeviceCount()
    {
        ShimLibrary.EnsureLoaded();
        int count = 0;
        ShimStatus.Check(NativeMethods.ringattn_cuda_device_count(&count));
        return count;
    }

    /// <summary>12080 → "12.8", as CUDA encodes versions (major*1000 + minor*10).</summary>
    internal static string FormatCudaVersion(int version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");
}
