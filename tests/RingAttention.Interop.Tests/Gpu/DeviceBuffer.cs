namespace RingAttention.Interop.Tests.Gpu;

/// <summary>Device memory for a test, with synchronous copies from and to managed arrays.</summary>
internal sealed unsafe class DeviceBuffer : IDisposable
{
    private DeviceBuffer(SafeCudaMemoryHandle memory) => Memory = memory;

    public SafeCudaMemoryHandle Memory { get; }

    /// <summary>The device pointer; valid while this buffer is not disposed.</summary>
    public void* Pointer => (void*)Memory.DangerousGetHandle();

    public static DeviceBuffer Allocate<T>(int count)
        where T : unmanaged => new(SafeCudaMemoryHandle.AllocateDevice((nuint)(count * sizeof(T))));

    public static DeviceBuffer FromHost<T>(ReadOnlySpan<T> data, SafeCudaStreamHandle stream)
        where T : unmanaged
    {
        DeviceBuffer buffer = Allocate<T>(data.Length);
        fixed (T* source = data)
        {
            ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(buffer.Pointer, source, (nuint)(data.Length * sizeof(T)),
                NativeConstants.RINGATTN_MEMCPY_HOST_TO_DEVICE, stream));

            // The host array is only pinned inside this block: wait for the copy before leaving it.
            ShimStatus.Check(NativeMethods.ringattn_cuda_stream_synchronize(stream));
        }

        return buffer;
    }

    public T[] ToHost<T>(int count, SafeCudaStreamHandle stream)
        where T : unmanaged
    {
        var result = new T[count];
        fixed (T* destination = result)
        {
            ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(destination, Pointer, (nuint)(count * sizeof(T)),
                NativeConstants.RINGATTN_MEMCPY_DEVICE_TO_HOST, stream));
            ShimStatus.Check(NativeMethods.ringattn_cuda_stream_synchronize(stream));
        }

        return result;
    }

    public void Dispose() => Memory.Dispose();
}
