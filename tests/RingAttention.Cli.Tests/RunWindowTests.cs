using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary><c>ringattn run --window</c>: its parse errors, and a windowed run against the float64 reference.</summary>
public sealed class RunWindowTests
{
    private static readonly int[] Q = RunScenario.SmallQuery;
    private static readonly int[] Kv = RunScenario.SmallKeyValue;

    [Theory]
    [InlineData("causal", "3,1", "--window with --mask causal takes L or L,0 (a query sees no later key), got R = 1")]
    [InlineData("none", "3", "--window with --mask none needs both sides: --window L,R")]
    [InlineData("causal", "-2", "--window must be L or L,R with integers of -1 (unbounded) or more, got '-2'")]
    [InlineData("none", "1,-5", "--window must be L or L,R")]
    [InlineData("none", "1,2,3", "--window must be L or L,R")]
    [InlineData("causal", "wide", "--window must be L or L,R with integers of -1 (unbounded) or more, got 'wide'")]
    [InlineData("none", ",2", "--window must be L or L,R")]
    [InlineData("causal", "99999999999", "--window must be L or L,R")]
    public void Bad_windows_are_one_line_errors(string mask, string window, string expected)
    {
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.ForwardArgs(2, mask, "none");
        args.AddRange(["--window", window]);

        CliRunner.Run([.. args]).AssertUsageError(expected);
    }

    [Theory]
    [InlineData("causal", "dual-chunk", "2", 2, 0)]
    [InlineData("causal", "striped", "3,0", 3, 0)]
    [InlineData("none", "none", "1,-1", 1, -1)]
    public void Windowed_run_matches_the_reference(string mask, string balance, string window, int left, int right)
    {
        var problem = new RingProblem
        {
            BatchSize = 1,
            SequenceLength = 16,
            QueryHeads = 4,
            KeyValueHeads = 2,
            HeadDim = 8,
            RingSize = 2,
            Mask = mask == "causal" ? AttentionMask.Causal : AttentionMask.None,
            Balance = balance switch { "dual-chunk" => LoadBalancing.DualChunk, "striped" => LoadBalancing.Striped, _ => LoadBalancing.None },
            Window = new AttentionWindow(left, right),
        };
        using var scenario = new RunScenario(Q, Kv);
        List<string> args = scenario.BackwardArgs(2, mask, balance);
        args.AddRange(["--window", window]);

        CliResult result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        float[] output = NpyReader.Read(scenario.OutputPath).Data;
        (double[] reference, double[] lse) = AttentionReference.Forward(problem, scenario.Query, scenario.Key, scenario.Value);
        Assert.True(ErrorMeasure.RelativeError(output, reference) < 1e-5, $"O (seed {scenario.Seed})");
        Assert.True(ErrorMeasure.RelativeError(NpyReader.Read(scenario.LsePath).Data, lse) < 1e-5, $"LSE (seed {scenario.Seed})");
        (double[] dq, _, double[] dv) = AttentionReference.Backward(problem, scenario.Query, scenario.Key, scenario.Value, scenario.OutputGradient);
        Assert.True(ErrorMeasure.RelativeError(NpyReader.Read(scenario.QueryGradientPath).Data, dq) < 1e-5, $"dQ (seed {scenario.Seed})");
        Assert.True(ErrorMeasure.RelativeError(NpyReader.Read(scenario.ValueGradientPath).Data, dv) < 1e-5, $"dV (seed {scenario.Seed})");
        double[] unwindowed = AttentionReference.Forward(problem with { Window = null }, scenario.Query, scenario.Key, scenario.Value).Output;
        Assert.True(ErrorMeasure.RelativeError(output, unwindowed) > 1e-2, "the window must change O visibly");
    }
}
