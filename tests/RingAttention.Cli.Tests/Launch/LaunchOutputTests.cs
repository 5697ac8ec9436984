using System.Diagnostics;

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

    [Fact]
    public async Task Output_held_open_by_a_process_the_rank_left_behind_does_not_hold_the_launcher()
    {
        using var folder = new TempDirectory();
        var clock = Stopwatch.StartNew();

        // The background sleep inherits the rank's stdout and keeps it open after the rank has exited.
        CliResult result = await LaunchRunner.ShellAsync(1, "sleep 30 & echo $! > \"$1/pid\"; echo hi", null, folder.Path);

        string leftBehind = await File.ReadAllTextAsync(folder.File("pid"), TestContext.Current.CancellationToken);
        using (Process sleeper = Process.GetProcessById(int.Parse(leftBehind, System.Globalization.CultureInfo.InvariantCulture)))
        {
            sleeper.Kill();
        }

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("[rank 0] hi\n", result.Stdout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}: the launcher waited for the left-behind process");
    }
}
