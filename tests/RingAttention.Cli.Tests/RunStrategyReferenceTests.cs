using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary><c>ringattn run --strategy</c> on the CPU backend, forward and backward, against the float64 reference.</summary>
public sealed class RunStrategyReferenceTests
{
    [Theory]
    [InlineData("ring", null, 2, "causal", "dual-chunk", null)]
    [InlineData("all-gather", null, 2, "causal", "dual-chunk", null)]
    [InlineData("all-gather", null, 4, "none", "none", null)]
    [InlineData("all-gather", null, 4, "causal", "dual-chunk", "3")]
    [InlineData("all-to-all", null, 2, "causal", "dual-chunk", null)]
    [InlineData("all-to-all", null, 4, "causal", "striped", null)]
    [InlineData("all-to-all", null, 4, "none", "none", "2,1")]
    [InlineData("a2a+ring", "2", 4, "causal", "dual-chunk", null)]
    [InlineData("a2a+ring", "2", 4, "none", "none", null)]
    [InlineData("a2a+ring", "2", 4, "causal", "dual-chunk", "5")]
    public void Each_strategy_matches_the_reference(string strategy, string? size, int ranks, string mask, string balance, string? window)
    {
        using var scenario = new RunScenario(RunScenario.SmallQuery, RunScenario.SmallKeyValue);
        List<string> args = scenario.BackwardArgs(ranks, mask, balance);
        args.AddRange(["--strategy", strategy]);
        if (size is not null)
        {
            args.AddRange(["--a2a-size", size]);
        }

        if (window is not null)
        {
            args.AddRange(["--window", window]);
        }

        CliResult result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        string summary = Assert.Single(result.StdoutLines);
        if (strategy != "ring")
        {
            Assert.Contains($"strategy={strategy}{(size is null ? string.Empty : $", a2a-size={size}")}, Q ", summary, StringComparison.Ordinal);
        }

        RingProblem problem = Problem(ranks, mask, balance, window);
        (double[] output, double[] lse) = AttentionReference.Forward(problem, scenario.Query, scenario.Key, scenario.Value);
        (double[] dq, double[] dk, double[] dv) = AttentionReference.Backward(problem, scenario.Query, scenario.Key, scenario.Value, scenario.OutputGradient);
        AssertClose(scenario.OutputPath, output, "O", scenario.Seed);
        AssertClose(scenario.LsePath, lse, "LSE", scenario.Seed);
        AssertClose(scenario.QueryGradientPath, dq, "dQ", scenario.Seed);
        AssertClose(scenario.KeyGradientPath, dk, "dK", scenario.Seed);
        AssertClose(scenario.ValueGradientPath, dv, "dV", scenario.Seed);
    }

    private static void AssertClose(string path, double[] expected, string what, int seed)
    {
        double error = ErrorMeasure.RelativeError(NpyReader.Read(path).Data, expected);
        Assert.True(error < 1e-5, $"{what}: relative error {error:E2} (seed {seed})");
    }

    private static RingProblem Problem(int ranks, string mask, string balance, string? window)
    {
        bool causal = mask == "causal";
        AttentionWindow? band = null;
        if (window is not null)
        {
            int[] sides = [.. window.Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
            band = new AttentionWindow(sides[0], causal ? 0 : sides[1]);
        }

        return new RingProblem
        {
            BatchSize = 1,
            SequenceLength = 16,
            QueryHeads = 4,
            KeyValueHeads = 2,
            HeadDim = 8,
            RingSize = ranks,
            Mask = causal ? AttentionMask.Causal : AttentionMask.None,
            Balance = balance switch { "dual-chunk" => LoadBalancing.DualChunk, "striped" => LoadBalancing.Striped, _ => LoadBalancing.None },
            Window = band,
        };
    }
}
