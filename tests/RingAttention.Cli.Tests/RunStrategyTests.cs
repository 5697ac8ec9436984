namespace RingAttention.Cli.Tests;

/// <summary><c>ringattn run --strategy</c> and <c>--a2a-size</c>: parse errors, refusals that need the heads, and auto.</summary>
public sealed class RunStrategyTests
{
    private static readonly int[] Q = RunScenario.SmallQuery;
    private static readonly int[] Kv = RunScenario.SmallKeyValue;

    [Theory]
    [InlineData("causal", "dual-chunk", new[] { "--a2a-size", "2" }, "--a2a-size is the all-to-all group size of --strategy a2a+ring only; it was given without --strategy")]
    [InlineData("causal", "dual-chunk", new[] { "--strategy", "all-to-all", "--a2a-size", "2" }, "it was given with --strategy all-to-all")]
    [InlineData("causal", "dual-chunk", new[] { "--strategy", "a2a+ring" }, "--strategy a2a+ring needs --a2a-size K")]
    [InlineData("causal", "dual-chunk", new[] { "--strategy", "a2a+ring", "--a2a-size", "3" }, "--a2a-size 3 must divide --cp 4")]
    [InlineData("causal", "striped", new[] { "--strategy", "a2a+ring", "--a2a-size", "2" }, "--strategy a2a+ring --a2a-size 2 with --cp 4 keeps the ring's layout only for --balance dual-chunk or none, got --balance striped")]
    [InlineData("causal", "dual-chunk", new[] { "--strategy", "ulysses" }, "--strategy: unknown value 'ulysses'; expected one of: ring, all-gather, all-to-all, a2a+ring, auto")]
    [InlineData("causal", "dual-chunk", new[] { "--strategy", "a2a+ring", "--a2a-size", "0" }, "--a2a-size must be a positive integer, got 0")]
    public void Bad_strategy_options_are_one_line_errors(string mask, string balance, string[] extra, string expected)
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.ForwardArgs(4, mask, balance);
        args.AddRange(extra);

        CliRunner.Run([.. args]).AssertUsageError(expected);
    }

    [Theory]
    [InlineData("all-to-all", null, "--strategy all-to-all with --cp 3 cannot split Hq = 4 (", "QueryHeads (4) must be divisible by RingSize (3)")]
    [InlineData("a2a+ring", "3", "--strategy a2a+ring --a2a-size 3 with --cp 3 cannot split Hq = 4 (", "QueryHeads (4) must be divisible by AllToAllSize (3)")]
    public void Heads_that_do_not_split_are_refused_before_any_data_is_read(string strategy, string? size, string expected, string why)
    {
        using var scenario = new RunScenario([1, 24, 4, 8], [1, 24, 2, 8]);
        List<string> args = scenario.ForwardArgs(3, "causal", "none");
        args.AddRange(["--strategy", strategy]);
        if (size is not null)
        {
            args.AddRange(["--a2a-size", size]);
        }

        var before = DirectorySnapshot.Of(scenario.Directory);
        CliResult result = CliRunner.Run([.. args]);

        result.AssertUsageError(expected);
        Assert.Contains(why, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("and Hkv = 2 (", result.Stderr, StringComparison.Ordinal);
        before.AssertUnchanged();
    }

    [Fact]
    public void Auto_says_what_it_chose_and_why_on_one_stderr_line()
    {
        // S = 16 on 2 ranks: no kernel time to speak of, the step latency decides, and the ring has the fewest calls.
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.ForwardArgs(2, "causal", "dual-chunk");
        args.AddRange(["--strategy", "auto"]);

        CliResult result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        string notice = Assert.Single(result.StderrLines);
        Assert.StartsWith("ringattn: --strategy auto chose ring: Ring: least modelled time", notice, StringComparison.Ordinal);
        Assert.StartsWith("ringattn: cpu (2 rank threads), N=2, mask=causal, balance=dual-chunk, Q ", Assert.Single(result.StdoutLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Ring_is_the_default_and_prints_the_summary_as_before()
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.ForwardArgs(2, "causal", "dual-chunk");
        args.AddRange(["--strategy", "ring"]);

        CliResult result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(string.Empty, result.Stderr);
        Assert.DoesNotContain("strategy=", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_strategies()
    {
        CliResult result = CliRunner.Run("run", "--help");

        Assert.Contains("--strategy <ring|all-gather|all-to-all|a2a+ring|auto>", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--a2a-size", result.Stdout, StringComparison.Ordinal);
    }
}
