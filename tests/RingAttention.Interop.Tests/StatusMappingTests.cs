using System.Runtime.InteropServices;
using RingAttention.Interop.Tests.Infrastructure;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop.Tests;

/// <summary>RINGATTN_STATUS_* → exceptions carrying the status and the shim's message.</summary>
public sealed unsafe class StatusMappingTests
{
    public static TheoryData<int, Type, string> Statuses => new()
    {
        { RINGATTN_STATUS_INVALID_ARGUMENT, typeof(RingAttentionNativeException), "RINGATTN_STATUS_INVALID_ARGUMENT" },
        { RINGATTN_STATUS_WORKSPACE_TOO_SMALL, typeof(RingAttentionNativeException), "RINGATTN_STATUS_WORKSPACE_TOO_SMALL" },
        { RINGATTN_STATUS_UNSUPPORTED, typeof(RingAttentionNativeException), "RINGATTN_STATUS_UNSUPPORTED" },
        { RINGATTN_STATUS_CUDA_ERROR, typeof(RingAttentionNativeException), "RINGATTN_STATUS_CUDA_ERROR" },
        { RINGATTN_STATUS_CUDNN_ERROR, typeof(RingAttentionNativeException), "RINGATTN_STATUS_CUDNN_ERROR" },
        { RINGATTN_STATUS_NCCL_ERROR, typeof(NcclException), "RINGATTN_STATUS_NCCL_ERROR" },
        { RINGATTN_STATUS_OUT_OF_MEMORY, typeof(RingAttentionNativeException), "RINGATTN_STATUS_OUT_OF_MEMORY" },
        { RINGATTN_STATUS_TIMEOUT, typeof(RingAttentionNativeException), "RINGATTN_STATUS_TIMEOUT" },
        { RINGATTN_STATUS_INTERNAL, typeof(RingAttentionNativeException), "RINGATTN_STATUS_INTERNAL" },
        { RINGATTN_STATUS_ABORTED, typeof(NcclException), "RINGATTN_STATUS_ABORTED" },
        { RINGATTN_STATUS_NOT_READY, typeof(RingAttentionNativeException), "RINGATTN_STATUS_NOT_READY" },
        { 42, typeof(RingAttentionNativeException), "unknown status 42" },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public void Each_status_maps_to_its_exception_type_with_the_native_message(int status, Type expectedType, string expectedName)
    {
        RingAttentionNativeException error = ShimStatus.CreateException(status, "ringattn_sdpa_forward", "ringattn_sdpa_forward: details from the shim");

        Assert.Equal(expectedType, error.GetType());
        Assert.Equal(status, (int)error.Status);
        Assert.Equal(expectedName, error.StatusName);
        Assert.Equal("ringattn_sdpa_forward", error.Function);
        Assert.Equal("ringattn_sdpa_forward: details from the shim", error.NativeMessage);
        Assert.Equal($"ringattn_sdpa_forward failed with {expectedName} ({status}): details from the shim", error.Message);
    }

    [Fact]
    public void Every_status_constant_of_the_header_has_its_enum_member_and_name()
    {
        // Both come from the header through bindings-gen: this checks the generator grouped every constant.
        foreach (var constant in typeof(NativeConstants).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
                     .Where(f => f.Name.StartsWith("RINGATTN_STATUS_", StringComparison.Ordinal)))
        {
            var status = (NativeStatus)(int)constant.GetValue(null)!;
            Assert.True(Enum.IsDefined(status), constant.Name);
            Assert.Equal(constant.Name, ShimStatus.NameOf(status));
        }
    }

    [Fact]
    public void A_failure_without_a_message_says_so()
    {
        var error = ShimStatus.CreateException(RINGATTN_STATUS_CUDA_ERROR, "ringattn_cuda_free", string.Empty);
        Assert.Equal("ringattn_cuda_free failed with RINGATTN_STATUS_CUDA_ERROR (3): (the native library gave no message)", error.Message);
    }

    [Theory]
    [InlineData("NativeMethods.ringattn_cuda_malloc(bytes, &pointer)", "ringattn_cuda_malloc")]
    [InlineData("RingAttention.Interop.NativeMethods.ringattn_sdpa_forward(ctx, &desc)", "ringattn_sdpa_forward")]
    [InlineData("ringattn_cuda_device_synchronize()", "ringattn_cuda_device_synchronize")]
    [InlineData("status", "status")]
    public void The_function_name_is_taken_from_the_call_expression(string call, string function)
    {
        Assert.Equal(function, ShimStatus.FunctionName(call));
    }

    [Fact]
    public void The_message_is_read_from_the_failing_thread_right_after_the_call()
    {
        Requires.CCompiler();
        nint library = NativeLibrary.Load(FakeShims.Good);
        var setDevice = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(library, "ringattn_cuda_set_device");
        var malloc = (delegate* unmanaged<nuint, void**, int>)NativeLibrary.GetExport(library, "ringattn_cuda_malloc");
        var lastError = (delegate* unmanaged<byte*>)NativeLibrary.GetExport(library, "ringattn_last_error");

        int status = setDevice(-1);
        var cudaError = ShimStatus.CreateException(status, "ringattn_cuda_set_device", NativeText.FromUtf8(lastError()));
        Assert.Equal(NativeStatus.CudaError, cudaError.Status);
        Assert.Equal("ringattn_cuda_set_device failed with RINGATTN_STATUS_CUDA_ERROR (3): cudaSetDevice(-1) failed: invalid device ordinal (fake)", cudaError.Message);

        // Another thread's failure does not replace this thread's message (the shim keeps one per thread).
        var other = new Thread(() => malloc(1, null));
        other.Start();
        other.Join();
        Assert.Equal("ringattn_cuda_set_device: cudaSetDevice(-1) failed: invalid device ordinal (fake)", NativeText.FromUtf8(lastError()));

        void* pointer = null;
        status = malloc(1 << 20, &pointer);
        var oom = ShimStatus.CreateException(status, "ringattn_cuda_malloc", NativeText.FromUtf8(lastError()));
        Assert.Equal(NativeStatus.OutOfMemory, oom.Status);
        Assert.Equal("ringattn_cuda_malloc: cudaMalloc failed: out of memory (fake)", oom.NativeMessage);
    }
}
