using System.Diagnostics;

namespace RingAttention.Cli.Tests.Launch;

/// <summary>One rank failing stops the others, and the launcher says which rank failed and how.</summary>
public sealed class LaunchFailureTests
{
    private const string Pid = @"\(pid \d+\)";

    [Fact]
    public async Task A_rank_exiting_3_makes_the_launcher_exit_3_naming_it_and_stopping_the_others()
    {
        CliResult result = await LaunchRunner.ShellAsync(4, "if [ \"$RANK\" = 2 ]; then exit 3; fi; exec sleep 30", ["--grace-period", "20"]);

        Assert.Equal(3, result.ExitCode);
        string[] lines = result.StderrLines;
        Assert.Equal(5, lines.Length);
        Assert.Matches($@"^ringattn launch: rank 0 {Pid}: killed by SIGTERM from the launcher$", lines[0]);
        Assert.Matches($@"^ringattn launch: rank 1 {Pid}: killed by SIGTERM from the launcher$", lines[1]);
        Assert.Matches($@"^ringattn launch: rank 2 {Pid}: exited with code 3$", lines[2]);
        Assert.Matches($@"^ringattn launch: rank 3 {Pid}: killed by SIGTERM from the launcher$", lines[3]);
        Assert.Matches($@"^ringattn launch: rank 2 {Pid} failed first: exited with code 3; stopped ranks 0, 1, 3$", lines[4]);
    }

    [Fact]
    public async Task A_rank_killed_by_sigkill_makes_the_launcher_exit_137_and_say_so()
    {
        CliResult result = await LaunchRunner.ShellAsync(2, "if [ \"$RANK\" = 1 ]; then kill -9 $$; fi; exec sleep 30");

        Assert.Equal(137, result.ExitCode);
        Assert.Matches($@"^ringattn launch: rank 1 {Pid} failed first: killed by SIGKILL; stopped rank 0$", result.StderrLines[^1]);
    }

    [Fact]
    public async Task A_sleeping_rank_is_stopped_by_sigterm_well_within_the_grace_period()
    {
        var clock = Stopwatch.StartNew();

        CliResult result = await LaunchRunner.ShellAsync(2, "if [ \"$RANK\" = 0 ]; then exit 1; fi; exec sleep 30", ["--grace-period", "30"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches($@"^ringattn launch: rank 1 {Pid}: killed by SIGTERM from the launcher$", result.StderrLines[1]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}: SIGTERM did not end the sleeping rank");
    }

    [Fact]
    public async Task A_rank_ignoring_sigterm_is_killed_after_the_grace_period()
    {
        using var folder = new TempDirectory();

        // Rank 1 fails only once rank 0 ignores SIGTERM (the file says so), or rank 0 could die of SIGTERM before its trap.
        const string Script =
            "if [ \"$RANK\" = 0 ]; then trap '' TERM; touch \"$1/ready\"; exec sleep 30; fi; "
            + "i=0; while [ ! -e \"$1/ready\" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; exit 4";
        var clock = Stopwatch.StartNew();

        CliResult result = await LaunchRunner.ShellAsync(2, Script, ["--grace-period", "1"], folder.Path);

        Assert.Equal(4, result.ExitCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"took {clock.Elapsed}: SIGKILL came before the 1 s grace period ended");
        Assert.Matches($@"^ringattn launch: rank 0 {Pid}: killed by SIGKILL from the launcher$", result.StderrLines[0]);
        Assert.Matches($@"^ringattn launch: rank 1 {Pid} failed first: exited with code 4; stopped rank 0$", result.StderrLines[^1]);
    }

    [Fact]
    public async Task All_ranks_exiting_0_is_success_with_no_launcher_lines()
    {
        CliResult result = await LaunchRunner.ShellAsync(3, "exit 0");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
    }
}
