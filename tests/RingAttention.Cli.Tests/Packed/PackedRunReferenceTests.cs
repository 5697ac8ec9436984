using System.Globalization;
using System.Text;
using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests.Packed;

/// <summary>
/// <c>ringattn run --layout thd --seqlens</c> on the CPU backend, forward and backward: every document's slice of the
/// outputs equals that document's attention computed alone in float64.
/// </summary>
public sealed class PackedRunReferenceTests
{
    private const int HeadDim = 8;

    /// <summary>A document of one token, lengths not divisible by 2N, one shorter than N.</summary>
    private static readonly int[] Lengths = [1, 13, 2, 9];

    public static TheoryData<int, string, string, int, int> Cases()
    {
        var data = new TheoryData<int, string, string, int, int>();
        foreach (int n in new[] { 1, 2, 3, 4 })
        {
            foreach (string balance in new[] { "dual-chunk", "striped" })
            {
                // GQA (two query heads per key/value head) on every case, MQA on every other.
                data.Add(n, "causal", balance, 4, n % 2 == 0 ? 2 : 1);
            }
        }

        data.Add(3, "none", "dual-chunk", 4, 2);
        data.Add(4, "none", "striped", 2, 2);
        data.Add(3, "causal", "none", 4, 2);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_document_matches_its_attention_alone(int ringSize, string mask, string balance, int queryHeads, int keyValueHeads)
    {
        Check(ringSize, mask, balance, queryHeads, keyValueHeads, window: null);
    }

    [Theory]
    [InlineData(4, "causal", "dual-chunk", null, "all-gather")]
    [InlineData(3, "none", "striped", "2,1", "all-gather")]
    [InlineData(4, "causal", "dual-chunk", null, "all-to-all")]
    [InlineData(2, "causal", "striped", "3", "all-to-all")]
    [InlineData(4, "causal", "dual-chunk", "3", "a2a+ring --a2a-size 2")]
    [InlineData(4, "causal", "none", null, "auto")]
    public void Every_strategy_runs_packed_documents(int ringSize, string mask, string balance, string? window, string strategy)
    {
        Check(ringSize, mask, balance, 4, 2, window, [.. ("--strategy " + strategy).Split(' ')]);
    }

    [Theory]
    [InlineData(4, "causal", "dual-chunk", "3")]
    [InlineData(3, "none", "striped", "2,1")]
    [InlineData(2, "causal", "striped", "0")]
    public void Windows_apply_inside_each_document(int ringSize, string mask, string balance, string window)
    {
        Check(ringSize, mask, balance, 4, 2, window);
    }

    [Fact]
    public void Outputs_are_float32_shaped_like_their_inputs_and_lse_is_heads_by_tokens()
    {
        using var scenario = new RunScenario([25, 4, HeadDim], [25, 2, HeadDim]);
        List<string> args = scenario.BackwardArgs(2, "causal", "dual-chunk");
        args.AddRange(["--layout", "thd", "--seqlens", "1,13,2,9"]);

        CliResult result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        string summary = Assert.Single(result.StdoutLines);
        Assert.Contains("Q (25, 4, 8) K/V (25, 2, 8) thd (4 documents)", summary, StringComparison.Ordinal);
        (string Path, int[] Shape)[] expected =
        [
            (scenario.OutputPath, [25, 4, HeadDim]), (scenario.LsePath, [4, 25]), (scenario.QueryGradientPath, [25, 4, HeadDim]),
            (scenario.KeyGradientPath, [25, 2, HeadDim]), (scenario.ValueGradientPath, [25, 2, HeadDim]),
        ];
        foreach ((string path, int[] shape) in expected)
        {
            Assert.Equal(shape, NpyReader.Read(path).Shape);
            Assert.Contains("'descr': '<f4'", Encoding.ASCII.GetString(File.ReadAllBytes(path), 0, 64), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Forward_only_writes_o_and_lse()
    {
        using var scenario = new RunScenario([5, 2, HeadDim], [5, 2, HeadDim]);
        List<string> args = scenario.ForwardArgs(3, "causal", "striped");
        args.AddRange(["--layout", "thd", "--seqlens", "5", "--strategy", "ring"]);

        CliResult result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("thd (1 document)", Assert.Single(result.StdoutLines), StringComparison.Ordinal);
        PackedReference reference = PackedReference.PerDocument([5], 2, 2, HeadDim, AttentionMask.Causal, null, scenario);
        AssertClose(scenario.OutputPath, reference.Output, "O", scenario.Seed);
        AssertClose(scenario.LsePath, reference.Lse, "LSE", scenario.Seed);
        Assert.False(File.Exists(scenario.QueryGradientPath));
    }

    private static void Check(int ringSize, string mask, string balance, int queryHeads, int keyValueHeads, string? window, string[]? extra = null)
    {
        int tokens = Lengths.Sum();
        using var scenario = new RunScenario([tokens, queryHeads, HeadDim], [tokens, keyValueHeads, HeadDim]);
        List<string> args = scenario.BackwardArgs(ringSize, mask, balance);
        args.AddRange(["--layout", "thd", "--seqlens", string.Join(',', Lengths)]);
        if (window is not null)
        {
            args.AddRange(["--window", window]);
        }

        args.AddRange(extra ?? []);
        CliResult result = CliRunner.Run([.. args]);

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}");
        AttentionMask kind = mask == "causal" ? AttentionMask.Causal : AttentionMask.None;
        PackedReference reference = PackedReference.PerDocument(Lengths, queryHeads, keyValueHeads, HeadDim, kind, Window(window, kind), scenario);
        AssertClose(scenario.OutputPath, reference.Output, "O", scenario.Seed);
        AssertClose(scenario.LsePath, reference.Lse, "LSE", scenario.Seed);
        AssertClose(scenario.QueryGradientPath, reference.QueryGradient, "dQ", scenario.Seed);
        AssertClose(scenario.KeyGradientPath, reference.KeyGradient, "dK", scenario.Seed);
        AssertClose(scenario.ValueGradientPath, reference.ValueGradient, "dV", scenario.Seed);
        if (window is not null)
        {
            PackedReference unwindowed = PackedReference.PerDocument(Lengths, queryHeads, keyValueHeads, HeadDim, kind, null, scenario);
            Assert.True(ErrorMeasure.RelativeError(NpyReader.Read(scenario.OutputPath).Data, unwindowed.Output) > 1e-2, "the window must change O visibly");
        }
    }

    private static AttentionWindow? Window(string? text, AttentionMask mask)
    {
        if (text is null)
        {
            return null;
        }

        int[] sides = [.. text.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        return new AttentionWindow(sides[0], mask == AttentionMask.Causal ? 0 : sides[1]);
    }

    private static void AssertClose(string path, double[] expected, string what, int seed)
    {
        NpyArray actual = NpyReader.Read(path);
        Assert.Equal(expected.Length, actual.Data.Length);
        double error = ErrorMeasure.RelativeError(actual.Data, expected);
        Assert.True(error < 1e-5, $"{what}: relative error {error:E2} (seed {seed})");
    }
}
