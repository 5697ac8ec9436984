namespace RingAttention.Interop.Tests.Gpu;

/// <summary>
/// Gives each GPU test device 0 and a stream of its own. Each test starts with <c>Requires.Gpu()</c>, which skips
/// it (with the reason) where the shim or a CUDA device is missing.
/// </summary>
public abstract class GpuTestBase : IDisposable
{
    private SafeCudaStreamHandle? _stream;

    /// <summary>A non-blocking stream on device 0, created on first use.</summary>
    internal SafeCudaStreamHandle Stream
    {
        get
        {
            if (_stream is null)
            {
                ShimStatus.Check(NativeMethods.ringattn_cuda_set_device(0));
                ShimStatus.Check(NativeMethods.ringattn_cuda_stream_create(out SafeCudaStreamHandle stream));
                _stream = stream;
            }

            return _stream;
        }
    }

    internal void Synchronize() => ShimStatus.Check(NativeMethods.ringattn_cuda_stream_synchronize(Stream));

    public void Dispose()
    {
        _stream?.Dispose();
        GC.SuppressFinalize(this);
    }
}
