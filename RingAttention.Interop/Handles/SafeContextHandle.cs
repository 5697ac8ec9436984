using Microsoft.Win32.SafeHandles;

namespace RingAttention.Interop;

/// <summary>Owns a <c>ringattn_context*</c> (cuDNN handle, graph cache, workspace); releasing it calls ringattn_context_destroy.</summary>
internal sealed class SafeContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Used by the LibraryImport marshaller for <c>out SafeContextHandle</c>.</summary>
    public SafeContextHandle()
        : base(ownsHandle: true)
    {
    }

    // ringattn_context_destroy waits for the device and takes no managed locks, so the finalizer thread may run it.
    protected override bool ReleaseHandle() =>
        NativeMethods.ringattn_context_destroy(handle) == NativeConstants.RINGATTN_STATUS_OK;
}
