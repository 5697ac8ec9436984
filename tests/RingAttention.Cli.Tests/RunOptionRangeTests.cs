namespace RingAttention.Cli.Tests;

/// <summary>
/// Integer options at and past the ends of int: each is one usage error naming the option, the value and the limit,
/// never an OverflowException from arithmetic on the value, and no output is written.
/// </summary>
public sealed class RunOptionRangeTests
{
    private static readonly int[] Shape = [1, 16, 2, 8];

    [Theory]
    [InlineData("none", "--cp 2147483647 is too large for S = 16 (--q ", "every rank needs at least one token, so --cp can be at most 16")]
    [InlineData("striped", "--cp 2147483647 is too large for S = 16 (--q ", "every rank needs at least one token, so --cp can be at most 16")]
    [InlineData("dual-chunk", "--cp 2147483647 is too large for S = 16 (--q ", "--balance dual-chunk gives every rank two chunks of at least one token, so --cp can be at most 8")]
    public void Ring_larger_than_the_sequence_is_refused_before_any_arithmetic(string balance, string expected, string reason)
    {
        using var scenario = new RunScenario(Shape, Shape);

        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(int.MaxValue, "causal", balance)]);

        result.AssertUsageError(expected);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(scenario.OutputPath));
        Assert.False(File.Exists(scenario.LsePath));
    }

    [Fact]
    public void Dual_chunk_at_the_largest_ring_still_runs()
    {
        using var scenario = new RunScenario(Shape, Shape);

        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(8, "causal", "dual-chunk")]);

        Assert.True(result.ExitCode == 0, result.Stderr);
    }

    [Theory]
    [InlineData("--cp", "2147483648", "--cp 2147483648 is too large: integer options hold at most 2147483647")]
    [InlineData("--cp", "99999999999999999999999", "--cp 99999999999999999999999 is too large: integer options hold at most 2147483647")]
    [InlineData("--cp", "-2147483649", "--cp -2147483649 is too small: integer options hold at least -2147483648")]
    [InlineData("--timeout", "2147483648", "--timeout 2147483648 is too large: integer options hold at most 2147483647")]
    [InlineData("--timeout", "0", "--timeout must be a positive integer, got 0")]
    public void Integers_past_int_are_one_line_errors(string option, string value, string expected)
    {
        using var scenario = new RunScenario(Shape, Shape);
        List<string> args = scenario.ForwardArgs(2, "causal", "none");
        if (!args.Contains(option))
        {
            args.AddRange([option, "1"]);
        }

        CliResult result = CliRunner.Run([.. RunScenario.With(args, option, value)]);

        result.AssertUsageError(expected);
        Assert.False(File.Exists(scenario.OutputPath));
    }
}
