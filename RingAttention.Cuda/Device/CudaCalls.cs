using RingAttention.Interop;

namespace RingAttention.Cuda.Device;

/// <summary>The few CUDA runtime calls the backend makes everywhere, checked (a failure throws the Interop's typed exception).</summary>
internal static unsafe class CudaCalls
{
    public static SafeCudaStreamHandle CreateStream()
    {
        ShimStatus.Check(NativeMethods.ringattn_cuda_stream_create(out SafeCudaStreamHandle stream));
        return stream;
    }

    /// <summary>A synchronization-only event (timing off), or a timing event.</summary>
    public static SafeCudaEventHandle CreateEvent(bool timing = false)
    {
        ShimStatus.Check(NativeMethods.ringattn_cuda_event_create(timing ? 1 : 0, out SafeCudaEventHandle e));
        return e;
    }

    public static void Record(SafeCudaEventHandle e, SafeCudaStreamHandle stream) =>
        ShimStatus.Check(NativeMethods.ringattn_cuda_event_record(e, stream));

    /// <summary>Makes future work on <paramref name="stream"/> wait for the last record of <paramref name="e"/>.</summary>
    public static void Wait(SafeCudaStreamHandle stream, SafeCudaEventHandle e) =>
        ShimStatus.Check(NativeMethods.ringattn_cuda_stream_wait_event(stream, e));

    public static void Synchronize(SafeCudaStreamHandle stream) =>
        ShimStatus.Check(NativeMethods.ringattn_cuda_stream_synchronize(stream));

    public static void SynchronizeEvent(SafeCudaEventHandle e) =>
        ShimStatus.Check(NativeMethods.ringattn_cuda_event_synchronize(e));

    /// <summary>Milliseconds between two completed timing events.</summary>
    public static float ElapsedMilliseconds(SafeCudaEventHandle start, SafeCudaEventHandle end)
    {
        float ms = 0;
        ShimStatus.Check(NativeMethods.ringattn_cuda_event_elapsed_ms(start, end, &ms));
        return ms;
    }

    public static void CopyDeviceToDevice(nint destination, nint source, long bytes, SafeCudaStreamHandle stream) =>
        ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(
            (void*)destination, (void*)source, (nuint)bytes, NativeConstants.RINGATTN_MEMCPY_DEVICE_TO_DEVICE, stream));

    public static void CopyHostToDevice(nint destination, void* source, long bytes, SafeCudaStreamHandle stream) =>
        ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(
            (void*)destination, source, (nuint)bytes, NativeConstants.RINGATTN_MEMCPY_HOST_TO_DEVICE, stream));

    public static void CopyDeviceToHost(void* destination, nint source, long bytes, SafeCudaStreamHandle stream) =>
        ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(
            destination, (void*)source, (nuint)bytes, NativeConstants.RINGATTN_MEMCPY_DEVICE_TO_HOST, stream));

    public static void Fill(nint destination, byte value, long bytes, SafeCudaStreamHandle stream) =>
        ShimStatus.Check(NativeMethods.ringattn_cuda_memset_async((void*)destination, value, (nuint)bytes, stream));

    public static void SetDevice(int device) => ShimStatus.Check(NativeMethods.ringattn_cuda_set_device(device));

    public static int GetDevice()
    {
        int device = 0;
        ShimStatus.Check(NativeMethods.ringattn_cuda_get_device(&device));
        return device;
    }
}
