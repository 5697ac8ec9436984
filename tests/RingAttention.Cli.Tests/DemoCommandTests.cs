using System.Globalization;
using System.Text.RegularExpressions;

namespace RingAttention.Cli.Tests;

[Collection(GpuTests.Name)]
public sealed partial class DemoCommandTests
{
    [Fact]
    public void Default_demo_passes_and_prints_a_row_per_mask_and_balance()
    {
        CliResult result = CliRunner.Run("demo");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        AssertTable(result.StdoutLines, ringSize: 4);
        Assert.StartsWith("All relative errors < 1.0e-05", result.StdoutLines[^1], StringComparison.Ordinal);
        Assert.Contains(": yes (largest ", result.StdoutLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_gpu_the_demo_runs_on_cpu_and_names_the_probe_reason()
    {
        CudaBackendTests.RequireNoGpu();

        CliResult result = CliRunner.Run("demo", "--cp", "2", "--seq", "32", "--heads", "2", "--kv-heads", "1", "--dim", "8");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal(string.Empty, result.Stderr);
        Assert.Equal(
            $"Backend: cpu (each rank is a thread). GPU backend: not available ({Backends.AttentionBackends.CudaProbeText}).",
            result.StdoutLines[1]);
        Assert.Contains("libringattn_shim.so", result.StdoutLines[1], StringComparison.Ordinal);
        Assert.DoesNotContain(result.StdoutLines, l => l.StartsWith("backend ", StringComparison.Ordinal) || l.StartsWith("cuda", StringComparison.Ordinal));
        AssertTable(result.StdoutLines, ringSize: 2);
        Assert.StartsWith("All relative errors < 1.0e-05: yes (largest ", result.StdoutLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_gpu_the_demo_adds_cuda_bf16_rows()
    {
        CudaBackendTests.RequireGpu();

        CliResult result = CliRunner.Run("demo", "--cp", "2", "--seq", "128", "--heads", "4", "--kv-heads", "2", "--dim", "64", "--seed", "7");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.StartsWith("Backends: cpu (each rank is a thread) and cuda bf16 (2 virtual ranks on GPU 0; ", result.StdoutLines[1], StringComparison.Ordinal);
        int header = Array.FindIndex(result.StdoutLines, l => l.StartsWith("backend ", StringComparison.Ordinal));
        Assert.True(header >= 0, "no table header with a backend column");
        string[] gpuRows = [.. result.StdoutLines.Where(l => l.StartsWith("cuda bf16 ", StringComparison.Ordinal))];
        Assert.Equal(6, gpuRows.Length);
        foreach (string row in gpuRows)
        {
            Match match = RowPattern().Match(row);
            Assert.True(match.Success, $"not a table row: '{row}'");
            foreach (Capture error in match.Groups["error"].Captures)
            {
                Assert.True(double.Parse(error.Value, CultureInfo.InvariantCulture) < 2.5e-2, $"error {error.Value} in '{row}'");
            }
        }

        Assert.StartsWith("All relative errors < 1.0e-05 (cpu), < 2.5e-02 (cuda bf16): yes (largest ", result.StdoutLines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Same_seed_gives_the_same_errors()
    {
        string seed = Random.Shared.Next().ToString(CultureInfo.InvariantCulture);
        string[] args = ["demo", "--cp", "2", "--seq", "32", "--heads", "2", "--kv-heads", "1", "--dim", "8", "--batch", "2", "--seed", seed];

        CliResult first = CliRunner.Run(args);
        CliResult second = CliRunner.Run(args);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains($"seed {seed}", first.StdoutLines[0], StringComparison.Ordinal);
        Assert.Equal(AssertTable(first.StdoutLines, ringSize: 2), AssertTable(second.StdoutLines, ringSize: 2));
    }

    [Theory]
    [InlineData("--seq", "36", "must be divisible by 2 * RingSize = 8")]
    [InlineData("--kv-heads", "3", "QueryHeads (4) must be a multiple of KeyValueHeads (3)")]
    [InlineData("--dim", "0", "--dim must be a positive integer, got 0")]
    public void Bad_sizes_are_one_line_errors(string option, string value, string expected)
    {
        CliRunner.Run("demo", option, value).AssertUsageError(expected);
    }

    /// <summary>Checks the six rows and returns their error columns (times vary from run to run).</summary>
    private static List<string> AssertTable(string[] lines, int ringSize)
    {
        int header = Array.FindIndex(lines, l => l.StartsWith("mask ", StringComparison.Ordinal) || l.StartsWith("backend ", StringComparison.Ordinal));
        Assert.True(header >= 0, "no table header");
        var errors = new List<string>();
        string[] expectedCases = ["none none", "none dual-chunk", "none striped", "causal none", "causal dual-chunk", "causal striped"];
        for (int i = 0; i < expectedCases.Length; i++)
        {
            Match row = RowPattern().Match(lines[header + 1 + i]);
            Assert.True(row.Success, $"not a table row: '{lines[header + 1 + i]}'");
            Assert.Equal(lines[header].StartsWith("backend ", StringComparison.Ordinal) ? "cpu" : string.Empty, row.Groups["backend"].Value);
            Assert.Equal(expectedCases[i], $"{row.Groups["mask"].Value} {row.Groups["balance"].Value}");
            Assert.Equal(ringSize, int.Parse(row.Groups["n"].Value, CultureInfo.InvariantCulture));
            foreach (Capture error in row.Groups["error"].Captures)
            {
                Assert.True(double.Parse(error.Value, CultureInfo.InvariantCulture) < 1e-5, $"error {error.Value} in '{row.Value}'");
                errors.Add(error.Value);
            }
        }

        Assert.Equal(30, errors.Count);
        return errors;
    }

    [GeneratedRegex(@"^(?:(?<backend>cpu|cuda bf16)\s+)?(?<mask>none|causal)\s+(?<balance>none|dual-chunk|striped)\s+(?<n>\d+)\s+(?:(?<error>\d\.\de[+-]\d\d)\s+){5}\d+\.\d\s+\d+\.\d$")]
    private static partial Regex RowPattern();
}
