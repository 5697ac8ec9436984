using RingAttention.Interop.Tests.Infrastructure;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop.Tests.Gpu;

/// <summary>Devices, memory, streams and events through the shim.</summary>
[Collection(GpuCollectionDefinition.Name)]
[Trait("Category", "Gpu")]
public sealed unsafe class CudaRuntimeTests : GpuTestBase
{
    [Fact]
    public void Device_queries_describe_a_real_device()
    {
        Requires.Gpu();
        int count = NativeRuntime.DeviceCount();
        Assert.True(count >= 1);

        ringattn_device_props props = default;
        ShimStatus.Check(NativeMethods.ringattn_cuda_device_props(0, &props));
        string name = NativeText.FromFixedUtf8(props.name, 256);
        Assert.Contains("NVIDIA", name, StringComparison.OrdinalIgnoreCase);
        Assert.True(props.cc_major >= 8, $"compute capability {props.cc_major}.{props.cc_minor}: cuDNN fused attention needs sm80+");
        Assert.True(props.sm_count > 0);
        Assert.True(props.total_memory_bytes > (nuint)(1L << 30));

        ShimStatus.Check(NativeMethods.ringattn_cuda_set_device(0));
        int device = -1;
        ShimStatus.Check(NativeMethods.ringattn_cuda_get_device(&device));
        Assert.Equal(0, device);

        nuint free = 0, total = 0;
        ShimStatus.Check(NativeMethods.ringattn_cuda_mem_get_info(&free, &total));
        Assert.Equal(props.total_memory_bytes, total);
        Assert.InRange(free, (nuint)1, total);

        var outOfRange = Expect.Failure(NativeStatus.InvalidArgument,
            NativeMethods.ringattn_cuda_device_props(count, &props), nameof(NativeMethods.ringattn_cuda_device_props));
        Assert.Contains($"device {count} out of range [0, {count})", outOfRange.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_round_trips_through_device_copies_and_memset()
    {
        Requires.Gpu();
        const int Count = 1 << 18;
        const int Bytes = Count * sizeof(int);
        using SafeCudaMemoryHandle pinnedIn = SafeCudaMemoryHandle.AllocatePinnedHost(Bytes);
        using SafeCudaMemoryHandle pinnedOut = SafeCudaMemoryHandle.AllocatePinnedHost(Bytes);
        using SafeCudaMemoryHandle first = SafeCudaMemoryHandle.AllocateDevice(Bytes);
        using SafeCudaMemoryHandle second = SafeCudaMemoryHandle.AllocateDevice(Bytes);
        Assert.True(pinnedIn.IsPinnedHost);
        Assert.False(first.IsPinnedHost);

        var input = new Span<int>((void*)pinnedIn.DangerousGetHandle(), Count);
        for (int i = 0; i < Count; i++)
        {
            input[i] = i * 7 - 3;
        }

        void* h = (void*)pinnedIn.DangerousGetHandle(), o = (void*)pinnedOut.DangerousGetHandle();
        void* d1 = (void*)first.DangerousGetHandle(), d2 = (void*)second.DangerousGetHandle();
        ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(d1, h, Bytes, RINGATTN_MEMCPY_HOST_TO_DEVICE, Stream));
        ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(d2, d1, Bytes, RINGATTN_MEMCPY_DEVICE_TO_DEVICE, Stream));
        ShimStatus.Check(NativeMethods.ringattn_cuda_memset_async(d2, 0, 16 * sizeof(int), Stream)); // zero the first 16 ints
        ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(o, d2, Bytes, RINGATTN_MEMCPY_DEFAULT, Stream));
        Synchronize();

        var output = new ReadOnlySpan<int>(o, Count);
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(i < 16 ? 0 : i * 7 - 3, output[i]);
        }

        var badKind = Expect.Throws(NativeStatus.InvalidArgument, () =>
            ShimStatus.Check(NativeMethods.ringattn_cuda_memcpy_async(d1, h, Bytes, 99, Stream)));
        Assert.Contains("unknown memcpy kind 99", badKind.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_byte_allocations_are_null_and_free_nothing()
    {
        Requires.Gpu();
        using SafeCudaMemoryHandle empty = SafeCudaMemoryHandle.AllocateDevice(0);
        Assert.True(empty.IsInvalid);
        Assert.Equal((nuint)0, empty.Bytes);
    }

    [Fact]
    public void Events_time_and_order_work_across_streams()
    {
        Requires.Gpu();
        const int Bytes = 64 << 20;
        using SafeCudaMemoryHandle buffer = SafeCudaMemoryHandle.AllocateDevice(Bytes);
        ShimStatus.Check(NativeMethods.ringattn_cuda_event_create(1, out SafeCudaEventHandle start));
        ShimStatus.Check(NativeMethods.ringattn_cuda_event_create(1, out SafeCudaEventHandle end));
        ShimStatus.Check(NativeMethods.ringattn_cuda_event_create(0, out SafeCudaEventHandle syncOnly));
        ShimStatus.Check(NativeMethods.ringattn_cuda_stream_create(out SafeCudaStreamHandle other));
        using (start)
        using (end)
        using (syncOnly)
        using (other)
        {
            Assert.False(start.IsInvalid);
            ShimStatus.Check(NativeMethods.ringattn_cuda_event_record(start, Stream));
            ShimStatus.Check(NativeMethods.ringattn_cuda_memset_async((void*)buffer.DangerousGetHandle(), 1, Bytes, Stream));
            ShimStatus.Check(NativeMethods.ringattn_cuda_event_record(end, Stream));

            // The other stream waits for the memset, then its own work follows.
            ShimStatus.Check(NativeMethods.ringattn_cuda_stream_wait_event(other, end));
            ShimStatus.Check(NativeMethods.ringattn_cuda_memset_async((void*)buffer.DangerousGetHandle(), 2, 1024, other));
            ShimStatus.Check(NativeMethods.ringattn_cuda_event_record(syncOnly, other));
            ShimStatus.Check(NativeMethods.ringattn_cuda_event_synchronize(syncOnly));

            Assert.Equal(RINGATTN_STATUS_OK, NativeMethods.ringattn_cuda_event_query(end));
            Assert.Equal(RINGATTN_STATUS_OK, NativeMethods.ringattn_cuda_event_query(syncOnly));
            float milliseconds = -1;
            ShimStatus.Check(NativeMethods.ringattn_cuda_event_elapsed_ms(start, end, &milliseconds));
            Assert.InRange(milliseconds, 0f, 10_000f);

            // A synchronization-only event cannot be timed: CUDA refuses and the shim says so.
            Expect.Failure(NativeStatus.CudaError,
                NativeMethods.ringattn_cuda_event_elapsed_ms(start, syncOnly, &milliseconds), nameof(NativeMethods.ringattn_cuda_event_elapsed_ms));
            ShimStatus.Check(NativeMethods.ringattn_cuda_stream_synchronize(other));
            ShimStatus.Check(NativeMethods.ringattn_cuda_device_synchronize());
        }

        Assert.True(start.IsClosed && other.IsClosed);
    }
}
