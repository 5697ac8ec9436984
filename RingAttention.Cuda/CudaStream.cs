using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// A CUDA stream owned by .NET (non-blocking with respect to the legacy default stream), for callers of the device
/// API that have none of their own: pass <see cref="Pointer"/> as the plan's stream argument.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "It is a CUDA stream, not a System.IO.Stream; CUDA's own name is the clearest.")]
public sealed class CudaStream : IDisposable
{
    private readonly SafeCudaStreamHandle _handle;

    /// <summary>Creates a stream on <paramref name="device"/>.</summary>
    public CudaStream(int device = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(device);
        using (new DeviceScope(device))
        {
            _handle = CudaCalls.CreateStream();
        }

        Device = device;
    }

    /// <summary>The device of the stream.</summary>
    public int Device { get; }

    /// <summary>The cudaStream_t.</summary>
    public nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle.DangerousGetHandle();
        }
    }

    /// <summary>Blocks until all work enqueued on the stream has completed.</summary>
    public void Synchronize() => CudaCalls.Synchronize(_handle);

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
