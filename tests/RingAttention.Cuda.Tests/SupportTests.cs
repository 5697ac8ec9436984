using System.Diagnostics;
using RingAttention.Interop;

namespace RingAttention.Cuda.Tests;

/// <summary>
/// <see cref="CudaRingAttention.IsSupported(out string)"/>: the answer callers choose a backend by. Where the GPU path
/// runs (a GPU or the emulator) it says so and refuses a device index that is not visible; with RINGATTN_NATIVE_PATH
/// at a missing file it says no and names the library. The library loads once per process, so that case runs this
/// test assembly again in a child process with the variable set.
/// </summary>
public sealed class SupportTests
{
    private const string ScenarioVariable = "RINGATTN_CUDA_TEST_SCENARIO";
    private const string MissingLibrary = "/nonexistent/ringattn/libringattn_shim.so";

    [Fact]
    public void Where_the_GPU_path_runs_it_is_supported_on_each_visible_device_and_on_no_other()
    {
        Gpu.Require();
        int count = NativeRuntime.DeviceCount();

        Assert.True(CudaRingAttention.IsSupported(out string reason), reason);
        Assert.Contains(ShimLibrary.FileName, reason, StringComparison.Ordinal);
        Assert.True(CudaRingAttention.IsSupported(count - 1, out reason), reason);

        Assert.False(CudaRingAttention.IsSupported(count, out reason));
        Assert.StartsWith($"CUDA device {count} is not visible: ", reason, StringComparison.Ordinal);
        Assert.False(CudaRingAttention.IsSupported(-1, out reason));
        Assert.StartsWith("CUDA device -1 is not visible: ", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_native_library_is_unsupported_with_a_reason_naming_it()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(SupportTests).Assembly.Location);
        start.ArgumentList.Add("-method");
        start.ArgumentList.Add($"{typeof(SupportTests).FullName}.{nameof(Missing_library_in_child_process)}");
        start.Environment[ScenarioVariable] = "missing-library";
        start.Environment[ShimLibrary.PathVariable] = MissingLibrary;

        CancellationToken cancel = TestContext.Current.CancellationToken;
        using Process process = Process.Start(start)!;
        Task<string> standardError = process.StandardError.ReadToEndAsync(cancel);
        string output = await process.StandardOutput.ReadToEndAsync(cancel) + await standardError;
        await process.WaitForExitAsync(cancel);

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_library_in_child_process()
    {
        Assert.SkipWhen(
            Environment.GetEnvironmentVariable(ScenarioVariable) is null,
            $"runs only in the child process that {nameof(A_missing_native_library_is_unsupported_with_a_reason_naming_it)} starts");

        Assert.False(CudaRingAttention.IsSupported(out string reason));
        Assert.Contains("libringattn_shim.so", reason, StringComparison.Ordinal);
        Assert.Contains($"{MissingLibrary}: file does not exist", reason, StringComparison.Ordinal);
        Assert.False(CudaRingAttention.IsSupported(0, out string deviceReason));
        Assert.Equal(reason, deviceReason);
    }
}
