using System.Text;
using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary>
/// The end-to-end contract of <c>ringattn run</c>: files in, files out, compared with the float64 reference on the
/// same inputs.
/// </summary>
public sealed class RunContractTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(4, "causal", "dual-chunk", "bshd", 1, 64, 4, 2, 16, null)] // the documented example
    [InlineData(2, "causal", "striped", "sbhd", 2, 32, 4, 2, 8, null)]
    [InlineData(3, "none", "none", "bshd", 1, 24, 4, 1, 8, null)] // MQA
    [InlineData(4, "causal", "striped", "bshd", 2, 32, 6, 3, 8, 0.3f)]
    [InlineData(2, "none", "dual-chunk", "sbhd", 3, 16, 2, 2, 8, 1.7f)]
    [InlineData(1, "causal", "none", "sbhd", 2, 16, 2, 2, 8, null)] // a ring of one
    public void Forward_and_backward_outputs_match_the_float64_reference(
        int ringSize, string mask, string balance, string layout, int batch, int sequence, int queryHeads, int keyValueHeads, int headDim, float? scale)
    {
        RingProblem problem = Problem(ringSize, mask, balance, layout, batch, sequence, queryHeads, keyValueHeads, headDim, scale);
        int[] queryShape = FileShape(problem, queryHeads);
        int[] keyValueShape = FileShape(problem, keyValueHeads);
        using var scenario = new RunScenario(queryShape, keyValueShape);
        List<string> args = scenario.BackwardArgs(ringSize, mask, balance);
        args.AddRange(["--backend", "cpu", "--layout", layout]);
        if (scale is float s)
        {
            args.AddRange(["--scale", s.ToString("R", System.Globalization.CultureInfo.InvariantCulture)]);
        }

        CliResult result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Equal(string.Empty, result.Stderr);
        string summary = Assert.Single(result.StdoutLines);
        Assert.Contains($"N={ringSize}", summary, StringComparison.Ordinal);

        NpyArray output = NpyReader.Read(scenario.OutputPath);
        NpyArray lse = NpyReader.Read(scenario.LsePath);
        NpyArray dq = NpyReader.Read(scenario.QueryGradientPath);
        NpyArray dk = NpyReader.Read(scenario.KeyGradientPath);
        NpyArray dv = NpyReader.Read(scenario.ValueGradientPath);
        Assert.Equal(queryShape, output.Shape);
        Assert.Equal([batch, queryHeads, sequence], lse.Shape);
        Assert.Equal(queryShape, dq.Shape);
        Assert.Equal(keyValueShape, dk.Shape);
        Assert.Equal(keyValueShape, dv.Shape);

        (double[] referenceOutput, double[] referenceLse) = AttentionReference.Forward(problem, scenario.Query, scenario.Key, scenario.Value);
        (double[] referenceDq, double[] referenceDk, double[] referenceDv) =
            AttentionReference.Backward(problem, scenario.Query, scenario.Key, scenario.Value, scenario.OutputGradient);
        AssertClose("O", output.Data, referenceOutput, scenario.Seed);
        AssertClose("LSE", lse.Data, referenceLse, scenario.Seed);
        AssertClose("dQ", dq.Data, referenceDq, scenario.Seed);
        AssertClose("dK", dk.Data, referenceDk, scenario.Seed);
        AssertClose("dV", dv.Data, referenceDv, scenario.Seed);
    }

    [Fact]
    public void Scale_option_is_applied()
    {
        RingProblem problem = Problem(2, "causal", "none", "bshd", 1, 16, 2, 2, 8, scale: 0.05f);
        using var scenario = new RunScenario(FileShape(problem, 2), FileShape(problem, 2));
        List<string> args = scenario.ForwardArgs(2, "causal", "none");
        args.AddRange(["--scale", "0.05"]);

        Assert.Equal(0, CliRunner.Run([.. args]).ExitCode);

        float[] output = NpyReader.Read(scenario.OutputPath).Data;
        AssertClose("O", output, AttentionReference.Forward(problem, scenario.Query, scenario.Key, scenario.Value).Output, scenario.Seed);
        double[] defaultScaleOutput = AttentionReference.Forward(problem with { Scale = null }, scenario.Query, scenario.Key, scenario.Value).Output;
        Assert.True(
            ErrorMeasure.RelativeError(output, defaultScaleOutput) > 1e-2,
            "a scale of 0.05 instead of 1/sqrt(8) must change O visibly");
    }

    [Fact]
    public void Forward_only_writes_no_gradients_and_outputs_are_float32_npy()
    {
        RingProblem problem = Problem(2, "none", "striped", "bshd", 1, 8, 2, 1, 4, scale: null);
        using var scenario = new RunScenario(FileShape(problem, 2), FileShape(problem, 1));

        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(2, "none", "striped")]);

        Assert.Equal(0, result.ExitCode);
        Assert.False(File.Exists(scenario.QueryGradientPath));
        Assert.False(File.Exists(scenario.KeyGradientPath));
        Assert.False(File.Exists(scenario.ValueGradientPath));
        foreach (string path in new[] { scenario.OutputPath, scenario.LsePath })
        {
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Contains("'descr': '<f4'", Encoding.Latin1.GetString(bytes, 0, 128), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Float64_and_float16_inputs_are_read_as_float32()
    {
        RingProblem problem = Problem(2, "causal", "dual-chunk", "bshd", 1, 8, 2, 2, 4, scale: null);
        using var scenario = new RunScenario(FileShape(problem, 2), FileShape(problem, 2));

        // Rewrite Q as <f8 and K as <f2; the reference sees what the CLI must see: the values rounded to float32 (and half).
        File.WriteAllBytes(scenario.QueryPath, NpyBytes.File(NpyBytes.Dict("<f8", "(1, 8, 2, 4)"), NpyBytes.Float64([.. scenario.Query.Select(v => (double)v)])));
        float[] halfKey = [.. scenario.Key.Select(v => (float)(Half)v)];
        byte[] halfBytes = [.. halfKey.SelectMany(v => BitConverter.GetBytes((Half)v))];
        File.WriteAllBytes(scenario.KeyPath, NpyBytes.File(NpyBytes.Dict("<f2", "(1, 8, 2, 4)"), halfBytes));

        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(2, "causal", "dual-chunk")]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        double[] reference = AttentionReference.Forward(problem, scenario.Query, halfKey, scenario.Value).Output;
        AssertClose("O", NpyReader.Read(scenario.OutputPath).Data, reference, scenario.Seed);
    }

    private static RingProblem Problem(
        int ringSize, string mask, string balance, string layout, int batch, int sequence, int queryHeads, int keyValueHeads, int headDim, float? scale) => new()
        {
            BatchSize = batch,
            SequenceLength = sequence,
            QueryHeads = queryHeads,
            KeyValueHeads = keyValueHeads,
            HeadDim = headDim,
            RingSize = ringSize,
            Mask = mask == "causal" ? AttentionMask.Causal : AttentionMask.None,
            Balance = balance switch { "dual-chunk" => LoadBalancing.DualChunk, "striped" => LoadBalancing.Striped, _ => LoadBalancing.None },
            Layout = layout == "sbhd" ? TensorLayout.Sbhd : TensorLayout.Bshd,
            Scale = scale,
        };

    /// <summary>The file shape for <paramref name="heads"/> heads: [B, S, H, D] or, for sbhd, [S, B, H, D].</summary>
    private static int[] FileShape(RingProblem problem, int heads) => problem.Layout == TensorLayout.Sbhd
        ? [problem.SequenceLength, problem.BatchSize, heads, problem.HeadDim]
        : [problem.BatchSize, problem.SequenceLength, heads, problem.HeadDim];

    private static void AssertClose(string name, float[] actual, double[] reference, int seed)
    {
        double error = ErrorMeasure.RelativeError(actual, reference);
        Assert.True(error < Tolerance, $"{name}: relative error {error:E2} >= {Tolerance:E0} (inputs seed {seed})");
    }
}
