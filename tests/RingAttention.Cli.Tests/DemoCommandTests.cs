using System.Globalization;
using System.Text.RegularExpressions;

namespace RingAttention.Cli.Tests;

public sealed partial class DemoCommandTests
{
    [Fact]
    public void Default_demo_passes_and_prints_a_row_per_mask_and_balance()
    {
        CliResult result = CliRunner.Run("demo");

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("GPU backend: not available", result.Stdout, StringComparison.Ordinal);
        AssertTable(result.StdoutLines, ringSize: 4);
        Assert.StartsWith("All relative errors < 1.0e-05: yes (largest ", result.StdoutLines[^1], StringComparison.Ordinal);
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
        int header = Array.FindIndex(lines, l => l.StartsWith("mask ", StringComparison.Ordinal));
        Assert.True(header >= 0, "no table header");
        var errors = new List<string>();
        string[] expectedCases = ["none none", "none dual-chunk", "none striped", "causal none", "causal dual-chunk", "causal striped"];
        for (int i = 0; i < expectedCases.Length; i++)
        {
            Match row = RowPattern().Match(lines[header + 1 + i]);
            Assert.True(row.Success, $"not a table row: '{lines[header + 1 + i]}'");
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

    [GeneratedRegex(@"^(?<mask>none|causal)\s+(?<balance>none|dual-chunk|striped)\s+(?<n>\d+)\s+(?:(?<error>\d\.\de[+-]\d\d)\s+){5}\d+\.\d\s+\d+\.\d$")]
    private static partial Regex RowPattern();
}
