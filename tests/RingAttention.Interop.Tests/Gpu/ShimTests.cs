using RingAttention.Interop.Tests.Infrastructure;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop.Tests.Gpu;

/// <summary>The real shim: versions, status names and error reporting. Needs the library, not a GPU.</summary>
[Collection(GpuCollectionDefinition.Name)]
[Trait("Category", "Gpu")]
public sealed unsafe class ShimTests
{
    [Fact]
    public void Versions_report_this_ABI_and_the_loaded_libraries()
    {
        Requires.Shim();
        NativeVersions versions = NativeRuntime.GetVersions();

        Assert.Equal(RINGATTN_ABI_VERSION, versions.Abi);
        Assert.Equal(RINGATTN_VERSION_MAJOR * 10000 + RINGATTN_VERSION_MINOR * 100 + RINGATTN_VERSION_PATCH, versions.Shim);
        Assert.Equal(NativeMethods.ringattn_abi_version(), (uint)versions.Abi);
        Assert.InRange(versions.CudnnCompiled, 90000, 199999); // cuDNN 9.x
        Assert.InRange(versions.CudnnRuntime, 90000, 199999);
        Assert.Equal(versions.CudnnCompiled / 10000, versions.CudnnRuntime / 10000); // same major at run time
        Assert.InRange(versions.CudnnFrontend, 10000, 99999); // cudnn-frontend 1.x
        Assert.True(versions.NcclCompiled > 20000, $"NCCL compiled {versions.NcclCompiled}");
        Assert.True(versions.NcclRuntime > 20000, $"NCCL runtime {versions.NcclRuntime}");
        Assert.True(versions.CudaRuntime >= 12000, $"CUDA runtime {versions.CudaRuntime}");
        Assert.Equal(ShimLibrary.LoadedPath, versions.LibraryPath);
    }

    [Fact]
    public void Status_names_agree_with_the_managed_table()
    {
        Requires.Shim();
        int[] statuses =
        [
            RINGATTN_STATUS_OK, RINGATTN_STATUS_INVALID_ARGUMENT, RINGATTN_STATUS_UNSUPPORTED, RINGATTN_STATUS_CUDA_ERROR,
            RINGATTN_STATUS_CUDNN_ERROR, RINGATTN_STATUS_NCCL_ERROR, RINGATTN_STATUS_OUT_OF_MEMORY,
            RINGATTN_STATUS_WORKSPACE_TOO_SMALL, RINGATTN_STATUS_TIMEOUT, RINGATTN_STATUS_NOT_READY, RINGATTN_STATUS_INTERNAL,
        ];
        foreach (int status in statuses)
        {
            Assert.Equal(ShimStatus.NameOf((NativeStatus)status), NativeText.FromUtf8(NativeMethods.ringattn_status_name(status)));
        }
    }

    [Fact]
    public void A_failing_call_throws_the_mapped_exception_with_the_shim_message()
    {
        Requires.Shim();
        var error = Expect.Throws(NativeStatus.InvalidArgument, () => ShimStatus.Check(NativeMethods.ringattn_cuda_device_count(null)));

        Assert.Equal("ringattn_cuda_device_count", error.Function);
        Assert.Equal("ringattn_cuda_device_count: count must not be NULL", error.NativeMessage);
        Assert.Equal("ringattn_cuda_device_count failed with RINGATTN_STATUS_INVALID_ARGUMENT (1): count must not be NULL", error.Message);
    }

    [Fact]
    public void The_shim_was_loaded_from_RINGATTN_NATIVE_PATH_when_it_is_set()
    {
        Requires.Shim();
        string? configured = Environment.GetEnvironmentVariable(ShimLibrary.PathVariable);
        Assert.SkipWhen(string.IsNullOrWhiteSpace(configured), $"{ShimLibrary.PathVariable} is not set");

        string expected = Directory.Exists(configured) ? Path.Combine(configured, ShimLibrary.FileName) : configured!;
        Assert.Equal(expected, ShimLibrary.LoadedPath);
    }
}
