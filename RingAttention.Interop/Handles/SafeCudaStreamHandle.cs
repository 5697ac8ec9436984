using Microsoft.Win32.SafeHandles;

namespace RingAttention.Interop;

/// <summary>
/// A CUDA stream (<c>ringattn_stream</c>, a cudaStream_t). Streams made by ringattn_cuda_stream_create are owned
/// and destroyed on release; <see cref="LegacyDefault"/> and <see cref="Borrow"/> wrap streams this handle must
/// not destroy.
/// </summary>
internal sealed class SafeCudaStreamHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Used by the LibraryImport marshaller for <c>out SafeCudaStreamHandle</c>.</summary>
    public SafeCudaStreamHandle()
        : base(ownsHandle: true)
    {
    }

    private SafeCudaStreamHandle(nint stream)
        : base(ownsHandle: false)
    {
        SetHandle(stream);
    }

    /// <summary>A new non-owning handle for CUDA's legacy default stream (NULL).</summary>
    public static SafeCudaStreamHandle LegacyDefault() => new(IntPtr.Zero);

    /// <summary>A non-owning handle for a cudaStream_t created elsewhere (another library, CUDA graphs ...).</summary>
    public static SafeCudaStreamHandle Borrow(nint stream) => new(stream);

    protected override bool ReleaseHandle() =>
        NativeMethods.ringattn_cuda_stream_destroy(handle) == NativeConstants.RINGATTN_STATUS_OK;
}
