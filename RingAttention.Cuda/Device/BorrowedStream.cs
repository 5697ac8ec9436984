using RingAttention.Interop;

namespace RingAttention.Cuda.Device;

/// <summary>
/// A non-owning handle for the caller's raw cudaStream_t, kept between calls so that a caller who always passes the
/// same stream costs no allocation (a new stream value makes one new handle).
/// </summary>
internal sealed class BorrowedStream : IDisposable
{
    private SafeCudaStreamHandle? _handle;
    private nint _raw;

    public SafeCudaStreamHandle Get(nint stream)
    {
        if (_handle is null || _raw != stream)
        {
            _handle?.Dispose(); // borrowed: disposing never destroys the caller's stream
            _handle = SafeCudaStreamHandle.Borrow(stream);
            _raw = stream;
        }

        return _handle;
    }

    public void Dispose() => _handle?.Dispose();
}
