using System.Globalization;
using RingAttention.Cli.Backends;
using RingAttention.Cli.Npy;
using RingAttention.Cuda;

namespace RingAttention.Cli.Tests;

/// <summary>
/// <c>ringattn run --backend cuda</c> and <c>--dtype</c>: without a GPU (or without libringattn_shim.so) the cuda
/// backend is one line naming the probe's reason and exit code 2; with one, the GPU ring's files agree with the CPU
/// ring's. Tests that need the other situation skip with the probe's answer.
/// </summary>
[Collection(GpuTests.Name)]
public sealed class CudaBackendTests
{
    private static readonly int[] Q = [1, 16, 4, 8];
    private static readonly int[] Kv = [1, 16, 2, 8];

    private static readonly Lazy<(bool Available, string Reason)> Probe = new(() =>
    {
        bool available = CudaRingAttention.IsSupported(out string reason);
        return (available, reason);
    });

    [Theory]
    [InlineData(null)]
    [InlineData("bf16")]
    [InlineData("fp16")]
    public void Cuda_backend_without_a_gpu_is_one_line_error_naming_the_probe_reason(string? dtype)
    {
        RequireNoGpu();
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.BackwardArgs(2, "causal", "dual-chunk");
        args.AddRange(["--backend", "cuda"]);
        if (dtype is not null)
        {
            args.AddRange(["--dtype", dtype]);
        }

        CliResult result = CliRunner.Run([.. args]);

        result.AssertUsageError("the cuda backend needs the native library");
        string line = result.StderrLines[0];
        Assert.Contains(AttentionBackends.CudaProbeText, line, StringComparison.Ordinal);
        Assert.Contains(FirstLine(Probe.Value.Reason), line, StringComparison.Ordinal);
        Assert.EndsWith("; use --backend cpu", line, StringComparison.Ordinal);

        // The backend is checked before any file is read or written.
        Assert.False(File.Exists(scenario.OutputPath));
        Assert.False(File.Exists(scenario.LsePath));
    }

    [Fact]
    public void Probe_text_is_one_line_without_a_final_period()
    {
        string text = AttentionBackends.CudaProbeText;

        Assert.NotEmpty(text);
        Assert.DoesNotContain('\n', text);
        Assert.False(text.EndsWith('.'), text);
        Assert.Equal(Probe.Value.Available, AttentionBackends.UnavailableReason(BackendKind.Cuda) is null);
    }

    [Theory]
    [InlineData(null, "bf16", "--dtype bf16 needs --backend cuda; the cpu backend computes in float32")]
    [InlineData("cpu", "fp16", "--dtype fp16 needs --backend cuda; the cpu backend computes in float32")]
    [InlineData("cuda", "fp32", "--dtype fp32 is not supported by --backend cuda, which computes in bf16 or fp16")]
    [InlineData("cpu", "fp8", "--dtype: unknown value 'fp8'; expected one of: bf16, fp16, fp32")]
    [InlineData("cuda", "BF16", "--dtype: unknown value 'BF16'; expected one of: bf16, fp16, fp32")]
    public void Dtype_the_backend_cannot_compute_in_is_a_one_line_usage_error(string? backend, string dtype, string expected)
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.ForwardArgs(2, "causal", "none");
        if (backend is not null)
        {
            args.AddRange(["--backend", backend]);
        }

        args.AddRange(["--dtype", dtype]);

        CliResult result = CliRunner.Run([.. args]);

        result.AssertUsageError(expected);
        Assert.Contains("(see 'ringattn run --help')", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(scenario.OutputPath));
    }

    [Fact]
    public void Dtype_without_a_value_is_a_usage_error()
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.ForwardArgs(2, "causal", "none");
        args.Add("--dtype");

        CliRunner.Run([.. args]).AssertUsageError("--dtype");
    }

    [Fact]
    public void Cpu_with_dtype_fp32_is_the_same_run_as_without_it()
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> plain = scenario.BackwardArgs(2, "causal", "striped");
        CliResult first = CliRunner.Run([.. plain]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        byte[][] expected = [.. OutputFiles(scenario).Select(File.ReadAllBytes)];

        List<string> withDtype = scenario.BackwardArgs(2, "causal", "striped");
        withDtype.AddRange(["--backend", "cpu", "--dtype", "fp32"]);
        CliResult second = CliRunner.Run([.. withDtype]);

        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(string.Empty, second.Stderr);
        Assert.Equal(WithoutTimes(first.Stdout), WithoutTimes(second.Stdout));
        Assert.StartsWith("ringattn: cpu (2 rank threads), N=2,", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(expected, [.. OutputFiles(scenario).Select(File.ReadAllBytes)]);
    }

    [Fact]
    public void Run_help_documents_dtype()
    {
        CliResult result = CliRunner.Run("run", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--dtype <bf16|fp16|fp32>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("cpu backend computes in fp32 only", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bf16", "causal", "dual-chunk", "bshd", 2.5e-2)]
    [InlineData("fp16", "none", "striped", "sbhd", 1e-2)]
    [InlineData(null, "causal", "striped", "bshd", 2.5e-2)]
    public void Cuda_backend_files_agree_with_the_cpu_backend(string? dtype, string mask, string balance, string layout, double tolerance)
    {
        RequireGpu();
        int[] queryShape = layout == "bshd" ? [2, 64, 4, 64] : [64, 2, 4, 64];
        int[] keyValueShape = layout == "bshd" ? [2, 64, 2, 64] : [64, 2, 2, 64];
        using var scenario = new RunScenario(queryShape, keyValueShape);
        List<string> cpuArgs = scenario.BackwardArgs(4, mask, balance);
        cpuArgs.AddRange(["--layout", layout]);
        CliResult cpu = CliRunner.Run([.. cpuArgs]);
        Assert.True(cpu.ExitCode == 0, cpu.Stderr);
        NpyArray[] cpuFiles = [.. OutputFiles(scenario).Select(NpyReader.Read)];

        List<string> gpuArgs = scenario.BackwardArgs(4, mask, balance);
        gpuArgs.AddRange(["--layout", layout, "--backend", "cuda"]);
        if (dtype is not null)
        {
            gpuArgs.AddRange(["--dtype", dtype]);
        }

        CliResult gpu = CliRunner.Run([.. gpuArgs]);

        Assert.True(gpu.ExitCode == 0, gpu.Stderr);
        Assert.Equal(string.Empty, gpu.Stderr);
        Assert.StartsWith($"ringattn: cuda {dtype ?? "bf16"} (4 virtual ranks on GPU 0), N=4,", Assert.Single(gpu.StdoutLines), StringComparison.Ordinal);
        string[] names = ["O", "LSE", "dQ", "dK", "dV"];
        NpyArray[] gpuFiles = [.. OutputFiles(scenario).Select(NpyReader.Read)];
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Contains("'descr': '<f4'", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(OutputFiles(scenario)[i]), 0, 64), StringComparison.Ordinal);
            Assert.Equal(cpuFiles[i].Shape, gpuFiles[i].Shape);
            double error = ErrorMeasure.RelativeError(gpuFiles[i].Data, [.. cpuFiles[i].Data.Select(x => (double)x)]);
            Assert.True(error < tolerance, string.Create(CultureInfo.InvariantCulture, $"{names[i]}: relative error {error:E3} vs the cpu backend (seed {scenario.Seed})"));
        }
    }

    [Theory]
    [InlineData("all-gather", null, "causal", "dual-chunk", null)]
    [InlineData("all-to-all", null, "causal", "striped", null)]
    [InlineData("a2a+ring", "2", "none", "dual-chunk", null)]
    [InlineData("ring", null, "causal", "dual-chunk", "20")]
    [InlineData("all-gather", null, "causal", "striped", "9")]
    [InlineData("ring", null, "none", "none", "5,12")]
    public void Cuda_backend_runs_each_strategy_like_the_cpu_backend(string strategy, string? size, string mask, string balance, string? window)
    {
        RequireGpu();
        using var scenario = new RunScenario([1, 64, 4, 64], [1, 64, 2, 64]);
        string[] options = size is null ? ["--strategy", strategy] : ["--strategy", strategy, "--a2a-size", size];
        if (window is not null)
        {
            options = [.. options, "--window", window];
        }

        CliResult gpu = RunOnBothBackends(scenario, mask, balance, options, strategy);
        if (strategy != "ring")
        {
            // The ring keeps the summary line it always printed; any other strategy names itself there.
            Assert.Contains($", strategy={strategy}", Assert.Single(gpu.StdoutLines), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("ring", "causal", "dual-chunk", null)]
    [InlineData("all-gather", "none", "striped", "7,3")]
    [InlineData("a2a+ring --a2a-size 2", "causal", "dual-chunk", "20")]
    public void Cuda_backend_runs_packed_documents_like_the_cpu_backend(string strategy, string mask, string balance, string? window)
    {
        RequireGpu();
        using var scenario = new RunScenario([156, 4, 64], [156, 2, 64]);
        string[] options = ["--layout", "thd", "--seqlens", "37,1,100,18", .. ("--strategy " + strategy).Split(' ')];
        if (window is not null)
        {
            options = [.. options, "--window", window];
        }

        CliResult gpu = RunOnBothBackends(scenario, mask, balance, options, "thd " + strategy);
        Assert.Contains("thd (4 documents)", Assert.Single(gpu.StdoutLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Cuda_backend_rejects_sizes_cudnn_cannot_run_in_one_line()
    {
        RequireGpu();
        using var scenario = new RunScenario([1, 16, 4, 4], [1, 16, 2, 4]);
        List<string> args = scenario.ForwardArgs(2, "causal", "none");
        args.AddRange(["--backend", "cuda"]);

        CliRunner.Run([.. args]).AssertUsageError("HeadDim (4) must be a multiple of 8");
    }

    internal static void RequireNoGpu()
    {
        if (Probe.Value.Available)
        {
            Assert.Skip("needs a machine without the GPU path, but it is available here: " + Probe.Value.Reason);
        }
    }

    internal static void RequireGpu()
    {
        if (!Probe.Value.Available)
        {
            Assert.Skip("GPU test skipped: " + Probe.Value.Reason);
        }
    }

    /// <summary>
    /// Runs the scenario's backward on the cpu backend, then on cuda with the same options, and asserts that every
    /// output file has the cpu's shape and lies within bf16's error of it; returns the cuda run.
    /// </summary>
    private static CliResult RunOnBothBackends(RunScenario scenario, string mask, string balance, string[] options, string label)
    {
        List<string> cpuArgs = [.. scenario.BackwardArgs(4, mask, balance), .. options];
        CliResult cpu = CliRunner.Run([.. cpuArgs]);
        Assert.True(cpu.ExitCode == 0, cpu.Stderr);
        NpyArray[] cpuFiles = [.. OutputFiles(scenario).Select(NpyReader.Read)];

        CliResult gpu = CliRunner.Run([.. cpuArgs, "--backend", "cuda"]);

        Assert.True(gpu.ExitCode == 0, gpu.Stderr);
        string[] names = ["O", "LSE", "dQ", "dK", "dV"];
        NpyArray[] gpuFiles = [.. OutputFiles(scenario).Select(NpyReader.Read)];
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal(cpuFiles[i].Shape, gpuFiles[i].Shape);
            double error = ErrorMeasure.RelativeError(gpuFiles[i].Data, [.. cpuFiles[i].Data.Select(x => (double)x)]);
            Assert.True(error < 2.5e-2, string.Create(CultureInfo.InvariantCulture, $"{label} {names[i]}: relative error {error:E3} vs the cpu backend (seed {scenario.Seed})"));
        }

        return gpu;
    }

    private static string[] OutputFiles(RunScenario scenario) =>
        [scenario.OutputPath, scenario.LsePath, scenario.QueryGradientPath, scenario.KeyGradientPath, scenario.ValueGradientPath];

    private static string FirstLine(string text) => text.Split('\n')[0].Trim().TrimEnd('.');

    private static string WithoutTimes(string summary) =>
        System.Text.RegularExpressions.Regex.Replace(summary, @"\d+\.\d ms", "# ms");
}

/// <summary>Classes whose tests may use the GPU run one test at a time (never two rings on the device at once).</summary>
[CollectionDefinition(Name)]
public sealed class GpuTests
{
    public const string Name = "ringattn GPU";
}
