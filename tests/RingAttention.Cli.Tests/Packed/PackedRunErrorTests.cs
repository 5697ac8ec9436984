using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests.Packed;

/// <summary>
/// Every mistake with <c>--layout thd</c> and <c>--seqlens</c> is one line on stderr and exit code 2, before any data is
/// read: option mistakes before any file is opened, shape mistakes from the files' headers.
/// </summary>
public sealed class PackedRunErrorTests
{
    private static readonly int[] Q = [25, 4, 8];
    private static readonly int[] Kv = [25, 2, 8];

    [Theory]
    [InlineData(null, "--seqlens gives the lengths of packed documents and needs --layout thd; it was given without --layout (bshd)")]
    [InlineData("sbhd", "--seqlens gives the lengths of packed documents and needs --layout thd; it was given with --layout sbhd")]
    [InlineData("bshd", "needs --layout thd; it was given with --layout bshd")]
    public void Seqlens_without_the_packed_layout_is_an_error(string? layout, string expected)
    {
        List<string> args = Args("1,13,2,9");
        args.Remove("thd");
        args.Remove("--layout");
        if (layout is not null)
        {
            args.AddRange(["--layout", layout]);
        }

        CliRunner.Run([.. args]).AssertUsageError(expected);
    }

    [Fact]
    public void Packed_layout_without_seqlens_is_an_error()
    {
        CliRunner.Run([.. Args(null)]).AssertUsageError("--layout thd needs --seqlens L1,L2,... (the packed documents' lengths, adding up to T of the [T, H, D] files)");
    }

    [Theory]
    [InlineData("3,0,2", "--seqlens[1] is '0': every document length must be a positive integer")]
    [InlineData("3,-4", "--seqlens[1] is '-4': every document length must be a positive integer")]
    [InlineData("3,,2", "--seqlens[1] is '': every document length must be a positive integer")]
    [InlineData("ten", "--seqlens[0] is 'ten'")]
    [InlineData("1.5", "--seqlens[0] is '1.5'")]
    [InlineData("99999999999", "--seqlens[0] is '99999999999': every document length must be a positive integer of at most 2147483647")]
    [InlineData("", "--seqlens is empty: give the documents' lengths, e.g. --seqlens 3000,1096")]
    [InlineData("2147483647,1", "--seqlens add up to 2147483648 tokens, more than 2147483647")]
    public void Bad_lengths_name_the_index_and_value(string seqlens, string expected)
    {
        CliRunner.Run([.. Args(seqlens)]).AssertUsageError(expected);
    }

    [Fact]
    public void Lengths_not_adding_up_to_the_tokens_name_both_before_any_data_is_read()
    {
        using var scenario = new RunScenario(Q, Kv);

        // A NaN in Q would stop a run that read it: the shape error must come first.
        NpyWriter.Write(scenario.QueryPath, new NpyArray(Q, Enumerable.Repeat(float.NaN, 25 * 4 * 8).ToArray()));
        List<string> args = scenario.BackwardArgs(2, "causal", "dual-chunk");
        args.AddRange(["--layout", "thd", "--seqlens", "1,13,2,8"]);

        CliRunner.Run([.. args]).AssertUsageError($"--seqlens add up to 24 tokens (4 documents) but --q {scenario.QueryPath} (25, 4, 8) has T = 25; they must be equal");
        Assert.Empty(Directory.GetFiles(scenario.Directory, "o.npy*"));
    }

    [Theory]
    [InlineData(new[] { 1, 25, 4, 8 }, new[] { 1, 25, 2, 8 }, "has shape (1, 25, 4, 8) (4 axes); expected 3 axes [T, H, D] for --layout thd (packed documents have no batch axis)")]
    [InlineData(new[] { 25, 4, 8 }, new[] { 24, 2, 8 }, "disagree on T (tokens): 25 vs 24 (layout thd: [T, H, D])")]
    [InlineData(new[] { 25, 4, 8 }, new[] { 25, 2, 4 }, "disagree on D (head dim): 8 vs 4")]
    [InlineData(new[] { 25, 3, 8 }, new[] { 25, 2, 8 }, "the query heads (Hq=3, --q")]
    [InlineData(new[] { 25, 0, 8 }, new[] { 25, 0, 8 }, "every axis must be non-empty")]
    public void Wrong_packed_shapes_are_one_line_errors(int[] queryShape, int[] keyValueShape, string expected)
    {
        using var scenario = new RunScenario(queryShape, keyValueShape);
        List<string> args = scenario.BackwardArgs(2, "causal", "striped");
        args.AddRange(["--layout", "thd", "--seqlens", "1,13,2,9"]);

        CliRunner.Run([.. args]).AssertUsageError(expected);
    }

    [Fact]
    public void Packed_file_without_the_packed_layout_says_how_to_run_it()
    {
        using var scenario = new RunScenario(Q, Kv);

        CliRunner.Run([.. scenario.ForwardArgs(2, "causal", "striped")]).AssertUsageError(
            "has shape (25, 4, 8) (3 axes); expected 4 axes [B, S, H, D] for --layout bshd; a 3-axis [T, H, D] file holds packed documents: give --layout thd --seqlens L1,L2,...");
    }

    [Fact]
    public void Ring_larger_than_the_tokens_is_an_error()
    {
        using var scenario = new RunScenario([5, 2, 8], [5, 2, 8]);
        List<string> args = scenario.ForwardArgs(6, "causal", "dual-chunk");
        args.AddRange(["--layout", "thd", "--seqlens", "2,3"]);

        CliRunner.Run([.. args]).AssertUsageError("--cp 6 is too large for T = 5");
    }

    /// <summary>A packed command line on files that do not exist: option mistakes are found before any file is opened.</summary>
    private static List<string> Args(string? seqlens)
    {
        List<string> args =
        [
            "run", "--cp", "2", "--mask", "causal", "--balance", "dual-chunk", "--layout", "thd",
            "--q", "missing-q.npy", "--k", "missing-k.npy", "--v", "missing-v.npy", "--out", "o.npy", "--lse", "lse.npy",
        ];
        if (seqlens is not null)
        {
            args.AddRange(["--seqlens", seqlens]);
        }

        return args;
    }
}
