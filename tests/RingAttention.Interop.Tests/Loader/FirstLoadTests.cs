using RingAttention.Interop.Tests.Infrastructure;

namespace RingAttention.Interop.Tests.Loader;

/// <summary>
/// The whole first-use path in a fresh process: RINGATTN_NATIVE_PATH → resolver → ABI check → LibraryImport calls
/// → status mapping, against fake shims. Each scenario runs <see cref="Scenario_in_child_process"/> in a child.
/// </summary>
public sealed class FirstLoadTests
{
    private const string ChildTest = "RingAttention.Interop.Tests.Loader.FirstLoadTests.Scenario_in_child_process";

    [Fact]
    public void RINGATTN_NATIVE_PATH_as_a_folder_loads_that_shim_and_its_calls_work() =>
        RunScenario("fake-good", Path.GetDirectoryName(FakeShims.Good)!);

    [Fact]
    public void An_ABI_mismatch_stops_every_call_with_a_clear_message() => RunScenario("fake-abi999", FakeShims.Abi999);

    [Fact]
    public void A_missing_cuDNN_is_reported_by_name() => RunScenario("missing-dependency", FakeShims.NeedsMissingDependency);

    [Fact]
    public void A_wrong_RINGATTN_NATIVE_PATH_is_reported_with_the_path() => RunScenario("missing", "/nonexistent/ringattn/libringattn_shim.so");

    [Fact]
    public unsafe void Scenario_in_child_process()
    {
        Assert.SkipWhen(ChildProcess.Scenario is null, $"runs only in the child processes that {nameof(FirstLoadTests)}' other tests start");
        string configured = Environment.GetEnvironmentVariable(ShimLibrary.PathVariable)!;
        bool available = NativeRuntime.IsAvailable(out string reason);
        Assert.False(available);

        switch (ChildProcess.Scenario)
        {
            case "fake-good":
            {
                string library = Path.Combine(configured, ShimLibrary.FileName);
                Assert.Equal($"libringattn_shim.so loaded from {library}, but no NVIDIA driver was found (no CUDA device).", reason);

                NativeVersions versions = NativeRuntime.GetVersions();
                Assert.Equal(100, versions.Shim);
                Assert.Equal((int)RingAttention.Interop.NativeConstants.RINGATTN_ABI_VERSION, versions.Abi);
                Assert.Equal(library, versions.LibraryPath);
                Assert.Equal(0, NativeRuntime.DeviceCount());

                var cuda = Expect.Throws(NativeStatus.CudaError, () => ShimStatus.Check(NativeMethods.ringattn_cuda_set_device(-1)));
                Assert.Equal("ringattn_cuda_set_device failed with RINGATTN_STATUS_CUDA_ERROR (3): cudaSetDevice(-1) failed: invalid device ordinal (fake)", cuda.Message);

                var oom = Expect.Throws(NativeStatus.OutOfMemory, () => SafeCudaMemoryHandle.AllocateDevice(1 << 20));
                Assert.Equal("ringattn_cuda_malloc", oom.Function);
                Assert.Equal("ringattn_cuda_malloc: cudaMalloc failed: out of memory (fake)", oom.NativeMessage);

                var nullArgument = Expect.Throws(NativeStatus.InvalidArgument, () => ShimStatus.Check(NativeMethods.ringattn_get_versions(null)));
                Assert.Equal("ringattn_get_versions failed with RINGATTN_STATUS_INVALID_ARGUMENT (1): out must not be NULL", nullArgument.Message);
                break;
            }

            case "fake-abi999":
                Assert.Contains($"{configured} reports ABI version 999, but RingAttention.Interop was generated from a ringattn_shim.h with ABI version 2.", reason, StringComparison.Ordinal);
                Assert.Equal(999u, Assert.Throws<NativeAbiMismatchException>(NativeRuntime.GetVersions).ActualVersion);
                Assert.Throws<NativeAbiMismatchException>(() => NativeMethods.ringattn_abi_version());
                break;

            case "missing-dependency":
                Assert.StartsWith($"libringattn_shim.so was found but could not be loaded because {FakeShims.MissingDependencySoname} (cuDNN 9) could not be found.", reason, StringComparison.Ordinal);
                Assert.Contains($"\n  {configured}: ", reason, StringComparison.Ordinal);
                Assert.Equal(FakeShims.MissingDependencySoname, Assert.Throws<NativeLibraryLoadException>(NativeRuntime.GetVersions).MissingDependency);
                break;

            case "missing":
                Assert.Equal(
                    "Could not load the RingAttention native library libringattn_shim.so. Set RINGATTN_NATIVE_PATH to the library file or its folder, " +
                    "or ship it in runtimes/linux-x64/native beside the application.\nTried:\n  /nonexistent/ringattn/libringattn_shim.so: file does not exist",
                    reason);
                break;

            default:
                Assert.Fail($"unknown scenario {ChildProcess.Scenario}");
                break;
        }
    }

    private static void RunScenario(string scenario, string nativePath)
    {
        Requires.CCompiler();
        var (exitCode, output) = ChildProcess.RunTest(ChildTest, new Dictionary<string, string>
        {
            [ChildProcess.ScenarioVariable] = scenario,
            [ShimLibrary.PathVariable] = nativePath,
        });

        Assert.True(exitCode == 0, output);
        Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", output, StringComparison.Ordinal);
    }
}
