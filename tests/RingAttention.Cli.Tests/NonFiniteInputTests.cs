using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary>--check-finite (on by default) refuses NaN and Inf inputs before any compute, naming the file and the element.</summary>
public sealed class NonFiniteInputTests
{
    private static readonly int[] Q = RunScenario.SmallQuery;
    private static readonly int[] Kv = RunScenario.SmallKeyValue;

    [Theory]
    [InlineData("--q", float.NaN, new[] { 0, 13, 3, 5 }, "NaN")]
    [InlineData("--k", float.PositiveInfinity, new[] { 0, 0, 0, 0 }, "Inf")]
    [InlineData("--v", float.NegativeInfinity, new[] { 0, 15, 1, 7 }, "-Inf")]
    [InlineData("--do", float.NaN, new[] { 0, 7, 2, 1 }, "NaN")]
    public void Non_finite_input_is_refused_naming_the_file_and_index(string option, float bad, int[] index, string shown)
    {
        using var scenario = new RunScenario(Q, Kv);
        string path = Plant(scenario, option, bad, index);
        DirectorySnapshot before = DirectorySnapshot.Of(scenario.Directory);

        CliResult result = CliRunner.Run([.. scenario.BackwardArgs(2, "causal", "none")]);

        result.AssertUsageError($"{option} {path} holds {shown} at [{string.Join(", ", index)}] (--check-finite false runs anyway)");
        before.AssertUnchanged();
    }

    [Fact]
    public void Index_is_in_the_files_own_axis_order()
    {
        // sbhd: the file is [S, B, H, D]; the index must be the one numpy would use on that file.
        using var scenario = new RunScenario([16, 1, 4, 8], [16, 1, 2, 8]);
        string path = Plant(scenario, "--k", float.NaN, [9, 0, 1, 6]);

        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(2, "none", "none"), "--layout", "sbhd"]);

        result.AssertUsageError($"--k {path} holds NaN at [9, 0, 1, 6]");
    }

    [Fact]
    public void Float64_beyond_float32s_range_is_named_with_its_value()
    {
        using var scenario = new RunScenario(Q, Kv);
        double[] values = [.. scenario.Value.Select(v => (double)v)];
        values[(((3 * 2) + 1) * 8) + 2] = -1e300;
        File.WriteAllBytes(scenario.ValuePath, NpyBytes.File(NpyBytes.Dict("<f8", "(1, 16, 2, 8)"), NpyBytes.Float64(values)));

        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(2, "none", "none")]);

        result.AssertUsageError($"--v {scenario.ValuePath} holds -1E+300 at [0, 3, 1, 2], which is -Inf as float32");
    }

    [Fact]
    public void Check_finite_false_runs_anyway()
    {
        using var scenario = new RunScenario(Q, Kv);
        Plant(scenario, "--q", float.NaN, [0, 4, 0, 0]);

        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(2, "none", "none"), "--check-finite", "false"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        float[] output = NpyReader.Read(scenario.OutputPath).Data;
        Assert.True(float.IsNaN(output[4 * 4 * 8]), "the NaN in Q's row 4 must reach O's row 4");
        Assert.False(float.IsNaN(output[0]), "other rows stay finite");
    }

    [Fact]
    public void Check_finite_is_listed_in_help()
    {
        CliResult result = CliRunner.Run("run", "--help");

        Assert.Contains("--check-finite", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_finds_the_first_non_finite_in_vector_blocks_and_the_tail()
    {
        for (int length = 1; length <= 67; length++)
        {
            for (int bad = 0; bad < length; bad++)
            {
                float[] values = [.. Enumerable.Range(0, length).Select(i => (float)i)];
                values[bad] = float.NaN;
                if (bad + 1 < length)
                {
                    values[bad + 1] = float.PositiveInfinity;
                }

                Assert.Equal(bad, FiniteScan.IndexOfNonFinite(values));
            }

            Assert.Equal(-1, FiniteScan.IndexOfNonFinite([.. Enumerable.Range(0, length).Select(i => float.MaxValue / length * i)]));
        }
    }

    [Fact]
    public void Multi_index_is_c_order()
    {
        Assert.Equal([0L, 17, 3, 5], FiniteScan.MultiIndex([1, 32, 4, 8], (17 * 32) + (3 * 8) + 5));
        Assert.Equal([2L, 1], FiniteScan.MultiIndex([3, 2], 5));
    }

    /// <summary>Rewrites the file of <paramref name="option"/> with <paramref name="value"/> at <paramref name="index"/>; returns its path.</summary>
    private static string Plant(RunScenario scenario, string option, float value, int[] index)
    {
        (string path, float[] data) = option switch
        {
            "--q" => (scenario.QueryPath, scenario.Query),
            "--k" => (scenario.KeyPath, scenario.Key),
            "--v" => (scenario.ValuePath, scenario.Value),
            _ => (scenario.OutputGradientPath, scenario.OutputGradient),
        };
        NpyArray array = NpyReader.Read(path);
        long flat = 0;
        for (int axis = 0; axis < index.Length; axis++)
        {
            flat = (flat * array.Shape[axis]) + index[axis];
        }

        float[] changed = [.. data];
        changed[flat] = value;
        NpyWriter.Write(path, new NpyArray(array.Shape, changed));
        return path;
    }
}
