using Microsoft.Win32.SafeHandles;

namespace RingAttention.Interop;

/// <summary>
/// Owns a <c>ringattn_comm*</c> (one rank's NCCL communicator); releasing it calls ringattn_nccl_comm_destroy.
/// After an error the only safe exit is <see cref="Abort"/>, which frees the communicator itself.
/// </summary>
internal sealed class SafeNcclCommHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Used by the LibraryImport marshaller for <c>out SafeNcclCommHandle</c>.</summary>
    public SafeNcclCommHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>
    /// Aborts in-flight NCCL work and frees the communicator (ringattn_nccl_comm_abort). The handle is invalid
    /// afterwards whatever the status, since NCCL frees the communicator even when the abort reports an error.
    /// </summary>
    /// <returns>The RINGATTN_STATUS_* the abort returned.</returns>
    public int Abort()
    {
        if (IsClosed || IsInvalid)
        {
            return NativeConstants.RINGATTN_STATUS_OK;
        }

        int status = NativeMethods.ringattn_nccl_comm_abort(this);

        // The communicator is gone: forget its address (IsInvalid) and never release it again (IsClosed).
        SetHandle(IntPtr.Zero);
        SetHandleAsInvalid();
        return status;
    }

    protected override bool ReleaseHandle() =>
        NativeMethods.ringattn_nccl_comm_destroy(handle) == NativeConstants.RINGATTN_STATUS_OK;
}
