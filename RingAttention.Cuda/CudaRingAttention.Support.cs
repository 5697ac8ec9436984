using RingAttention.Interop;
using static System.FormattableString;

namespace RingAttention.Cuda;

public sealed partial class CudaRingAttention
{
    /// <summary>
    /// Whether the GPU ring can run in this process, without throwing: libringattn_shim.so and the libraries it links
    /// (CUDA runtime, cuDNN 9, NCCL 2) load, their ABI matches this package, and a CUDA device is visible. Callers use
    /// this to choose between this class and the CPU ring, or to skip, without reaching into the native bindings.
    /// </summary>
    /// <param name="reason">
    /// When false, why not, loader messages included (for instance the path tried and what was missing); when true, what
    /// was found (the library's path and how many devices are visible). Multi-line for some loader failures.
    /// </param>
    /// <returns>True when a plan can be made on device 0.</returns>
    public static bool IsSupported(out string reason) => NativeRuntime.IsAvailable(out reason);

    /// <summary>
    /// Whether the GPU ring can run on <paramref name="device"/> in this process: as <see cref="IsSupported(out string)"/>,
    /// and <paramref name="device"/> is one of the visible CUDA devices.
    /// </summary>
    /// <param name="device">The CUDA device index (as <see cref="CudaRingOptions.Device"/>).</param>
    /// <param name="reason">Why not when false; what was found when true.</param>
    /// <returns>True when a plan can be made on <paramref name="device"/>.</returns>
    public static bool IsSupported(int device, out string reason)
    {
        if (!NativeRuntime.IsAvailable(out reason))
        {
            return false;
        }

        // IsAvailable has just loaded the library and counted the devices, so this count does not throw.
        int count = NativeRuntime.DeviceCount();
        if (device < 0 || device >= count)
        {
            reason = Invariant($"CUDA device {device} is not visible: {reason.TrimEnd('.')} (devices 0 to {count - 1}).");
            return false;
        }

        return true;
    }
}
