using Microsoft.Win32.SafeHandles;

namespace RingAttention.Interop;

/// <summary>A CUDA event (<c>ringattn_event</c>) made by ringattn_cuda_event_create; releasing it calls ringattn_cuda_event_destroy.</summary>
internal sealed class SafeCudaEventHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Used by the LibraryImport marshaller for <c>out SafeCudaEventHandle</c>.</summary>
    public SafeCudaEventHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle() =>
        NativeMethods.ringattn_cuda_event_destroy(handle) == NativeConstants.RINGATTN_STATUS_OK;
}
