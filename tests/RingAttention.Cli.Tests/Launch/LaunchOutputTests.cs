namespace RingAttention.Cli.Tests.Launch;

/// <summary>Every line of every rank arrives whole, prefixed with its rank, on the stream it was written to.</summary>
public sealed class LaunchOutputTests
{
    [Fact]
    public async Task Many_lines_from_concurrent_ranks_arrive_whole_prefixed_and_in_each_ranks_order()
    {
        const int Lines = 300;
        string script = $"i=0; while [ $i -lt {Lines} ]; do echo \"out-$RANK-$i-padding-to-make-lines-longer\"; echo \"err-$RANK-$i\" >&2; i=$((i+1)); done";

        CliResult result = await LaunchRunner.ShellAsync(4, script);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Dictionary<int, List<string>> stdout = LaunchRunner.ByRank(result.StdoutLines);
        Dictionary<int, List<string>> stderr = LaunchRunner.ByRank(result.StderrLines);
        for (int rank = 0; rank < 4; rank++)
        {
            Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"out-{rank}-{i}-padding-to-make-lines-longer"), stdout[rank]);
            Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"err-{rank}-{i}"), stderr[rank]);
        }
    }

    [Fact]
    public async Task A_last_line_without_newline_and_empty_lines_are_kept()
    {
        CliResult result = await LaunchRunner.ShellAsync(1, "printf 'a\\n\\nb'");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("[rank 0] a\n[rank 0] \n[rank 0] b\n", result.Stdout);
        Assert.Equal(string.Empty, result.Stderr);
    }
}
