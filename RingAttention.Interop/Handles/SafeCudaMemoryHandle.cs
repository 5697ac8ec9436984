using System.Runtime.InteropServices;

namespace RingAttention.Interop;

/// <summary>
/// Device memory from ringattn_cuda_malloc or pinned host memory from ringattn_cuda_host_malloc, freed with the
/// matching free function on release. Zero-byte allocations are a NULL pointer, which is valid and frees nothing.
/// </summary>
internal sealed unsafe class SafeCudaMemoryHandle : SafeHandle
{
    private SafeCudaMemoryHandle(nint pointer, nuint bytes, bool isPinnedHost)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(pointer);
        Bytes = bytes;
        IsPinnedHost = isPinnedHost;
    }

    /// <summary>Size of the allocation in bytes.</summary>
    public nuint Bytes { get; }

    /// <summary>True for pinned host memory, false for device memory.</summary>
    public bool IsPinnedHost { get; }

    // NULL is the result of a 0-byte allocation, not a failure; there is simply nothing to free.
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Allocates <paramref name="bytes"/> of device memory on the current device.</summary>
    public static SafeCudaMemoryHandle AllocateDevice(nuint bytes)
    {
        void* pointer = null;
        ShimStatus.Check(NativeMethods.ringattn_cuda_malloc(bytes, &pointer));
        return new SafeCudaMemoryHandle((nint)pointer, bytes, isPinnedHost: false);
    }

    /// <summary>Allocates <paramref name="bytes"/> of pinned (page-locked) host memory.</summary>
    public static SafeCudaMemoryHandle AllocatePinnedHost(nuint bytes)
    {
        void* pointer = null;
        ShimStatus.Check(NativeMethods.ringattn_cuda_host_malloc(bytes, &pointer));
        return new SafeCudaMemoryHandle((nint)pointer, bytes, isPinnedHost: true);
    }

    protected override bool ReleaseHandle() => (IsPinnedHost
        ? NativeMethods.ringattn_cuda_host_free((void*)handle)
        : NativeMethods.ringattn_cuda_free((void*)handle)) == NativeConstants.RINGATTN_STATUS_OK;
}
