using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary>Every user mistake ends with exit code 2 and one line on stderr that says what is wrong.</summary>
public sealed class RunErrorTests
{
    private static readonly int[] Q = RunScenario.SmallQuery;
    private static readonly int[] Kv = RunScenario.SmallKeyValue;

    [Theory]
    [InlineData("--cp", "0", "--cp must be a positive integer, got 0")]
    [InlineData("--cp", "-3", "--cp must be a positive integer, got -3")]
    [InlineData("--cp", "four", "--cp must be an integer, got 'four'")]
    [InlineData("--mask", "sliding", "--mask: unknown value 'sliding'; expected one of: none, causal")]
    [InlineData("--balance", "zigzag", "--balance: unknown value 'zigzag'; expected one of: none, dual-chunk, striped")]
    [InlineData("--mask", "Causal", "--mask: unknown value 'Causal'")]
    public void Bad_option_values_are_one_line_errors(string option, string value, string expected)
    {
        using var scenario = new RunScenario(Q, Kv);

        CliResult result = CliRunner.Run([.. RunScenario.With(scenario.ForwardArgs(2, "causal", "none"), option, value)]);

        result.AssertUsageError(expected);
    }

    [Theory]
    [InlineData("--scale", "0", "--scale must be a finite positive number, got '0'")]
    [InlineData("--scale", "-0.5", "--scale must be a finite positive number")]
    [InlineData("--scale", "NaN", "--scale must be a finite positive number")]
    [InlineData("--scale", "Infinity", "--scale must be a finite positive number")]
    [InlineData("--scale", "big", "--scale must be a finite positive number, got 'big'")]
    [InlineData("--layout", "nhwc", "--layout: unknown value 'nhwc'; expected one of: bshd, sbhd")]
    [InlineData("--backend", "tpu", "--backend: unknown value 'tpu'; expected one of: cpu, cuda")]
    public void Bad_optional_values_are_one_line_errors(string option, string value, string expected)
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.ForwardArgs(2, "causal", "none");
        args.AddRange([option, value]);

        CliResult result = CliRunner.Run([.. args]);

        result.AssertUsageError(expected);
    }

    [Theory]
    [InlineData(new[] { 1, 16, 8 }, new[] { 1, 16, 2, 8 }, "has shape (1, 16, 8) (3 axes); expected 4 axes [B, S, H, D]")]
    [InlineData(new[] { 1, 16, 4, 8 }, new[] { 1, 8, 2, 8 }, "disagree on S (sequence length): 16 vs 8")]
    [InlineData(new[] { 1, 16, 4, 8 }, new[] { 2, 16, 2, 8 }, "disagree on B (batch): 1 vs 2")]
    [InlineData(new[] { 1, 16, 4, 8 }, new[] { 1, 16, 2, 4 }, "disagree on D (head dim): 8 vs 4")]
    [InlineData(new[] { 1, 16, 3, 8 }, new[] { 1, 16, 2, 8 }, "the query heads (Hq=3, --q")]
    [InlineData(new[] { 1, 0, 4, 8 }, new[] { 1, 0, 2, 8 }, "every axis must be non-empty")]
    public void Inconsistent_shapes_are_one_line_errors(int[] queryShape, int[] keyValueShape, string expected)
    {
        using var scenario = new RunScenario(queryShape, keyValueShape);

        CliResult result = CliRunner.Run([.. scenario.BackwardArgs(2, "causal", "none")]);

        result.AssertUsageError(expected);
    }

    [Fact]
    public void Value_shaped_unlike_key_is_an_error()
    {
        using var scenario = new RunScenario(Q, Kv);
        NpyWriter.Write(scenario.ValuePath, new NpyArray([1, 16, 1, 8], new float[128]));

        CliRunner.Run([.. scenario.ForwardArgs(2, "none", "none")]).AssertUsageError($"--v {scenario.ValuePath} has shape (1, 16, 1, 8) but must have the shape of --k");
    }

    [Fact]
    public void Output_gradient_shaped_unlike_query_is_an_error()
    {
        using var scenario = new RunScenario(Q, Kv);
        NpyWriter.Write(scenario.OutputGradientPath, new NpyArray([1, 16, 2, 8], new float[256]));

        CliRunner.Run([.. scenario.BackwardArgs(2, "none", "none")]).AssertUsageError("--do");
    }

    [Theory]
    [InlineData(5, "none", "SequenceLength (12) must be divisible by RingSize = 5.")]
    [InlineData(4, "dual-chunk", "SequenceLength (12) must be divisible by 2 * RingSize = 8 (dual-chunk load balancing).")]
    public void Sequence_not_divisible_by_the_ring_is_an_error(int ringSize, string balance, string expected)
    {
        using var scenario = new RunScenario([1, 12, 2, 8], [1, 12, 2, 8]);

        if (balance == "dual-chunk")
        {
            // 12 splits over 4 ranks but not into 2 * 4 chunks: only dual-chunk must refuse it.
            Assert.Equal(0, CliRunner.Run([.. scenario.ForwardArgs(ringSize, "causal", "striped")]).ExitCode);
        }

        CliRunner.Run([.. scenario.ForwardArgs(ringSize, "causal", balance)]).AssertUsageError(expected);
    }

    [Fact]
    public void Malformed_input_file_is_an_error_naming_it()
    {
        using var scenario = new RunScenario(Q, Kv);
        File.WriteAllText(scenario.KeyPath, "k,v\n1,2\n");

        CliRunner.Run([.. scenario.ForwardArgs(2, "none", "none")]).AssertUsageError($"{scenario.KeyPath}: not a .npy file");
    }

    [Fact]
    public void Unsupported_dtype_is_an_error_naming_the_file()
    {
        using var scenario = new RunScenario(Q, Kv);
        File.WriteAllBytes(scenario.QueryPath, NpyBytes.File(NpyBytes.Dict("<i4", "(1, 16, 4, 8)"), new byte[4 * 512]));

        CliRunner.Run([.. scenario.ForwardArgs(2, "none", "none")]).AssertUsageError($"{scenario.QueryPath}: unsupported dtype '<i4'");
    }

    [Fact]
    public void Missing_input_file_is_an_error()
    {
        using var scenario = new RunScenario(Q, Kv);
        string missing = scenario.File("nowhere.npy");

        CliRunner.Run([.. RunScenario.With(scenario.ForwardArgs(2, "none", "none"), "--v", missing)]).AssertUsageError($"--v {missing}: no such file");
    }

    [Fact]
    public void Unwritable_output_is_an_error()
    {
        using var scenario = new RunScenario(Q, Kv);

        CliResult result = CliRunner.Run([.. RunScenario.With(scenario.ForwardArgs(2, "none", "none"), "--out", scenario.File("no/such/dir/o.npy"))]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no/such/dir/o.npy", Assert.Single(result.StderrLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_required_options_are_one_line_errors()
    {
        CliRunner.Run("run", "--cp", "2", "--mask", "none", "--balance", "none").AssertUsageError("Option '--q' is required");
    }

    [Theory]
    [InlineData("--dq", "--do runs the backward, which also needs --dq")]
    [InlineData("--dv", "--do runs the backward, which also needs --dv")]
    public void Output_gradient_without_all_gradient_outputs_is_an_error(string omitted, string expected)
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.BackwardArgs(2, "none", "none");
        args.RemoveRange(args.IndexOf(omitted), 2);

        CliRunner.Run([.. args]).AssertUsageError(expected);
    }

    [Fact]
    public void Gradient_outputs_without_output_gradient_are_an_error()
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.ForwardArgs(2, "none", "none");
        args.AddRange(["--dk", scenario.KeyGradientPath]);

        CliRunner.Run([.. args]).AssertUsageError("--dk need --do");
    }

    [Fact]
    public void No_command_is_an_error()
    {
        CliResult result = CliRunner.Run();

        result.AssertUsageError("see 'ringattn --help'");
    }

    [Fact]
    public void Help_is_not_an_error()
    {
        CliResult result = CliRunner.Run("run", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--balance <none|dual-chunk|striped>", result.Stdout, StringComparison.Ordinal);
    }
}
