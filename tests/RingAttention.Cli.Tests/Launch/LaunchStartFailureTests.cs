using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Cli.Launch;

namespace RingAttention.Cli.Tests.Launch;

/// <summary>A rank whose program cannot start: exit code 2, one line naming the program and the rank, nothing left running.</summary>
public sealed class LaunchStartFailureTests
{
    [Fact]
    public async Task A_missing_program_is_a_usage_error_naming_it_and_the_rank()
    {
        CliResult result = await LaunchRunner.RunAsync("launch", "--nproc-per-node", "2", "--", "/nonexistent/ringattn-test-program", "x");

        result.AssertUsageError("cannot start rank 0: '/nonexistent/ringattn-test-program': No such file or directory");
    }

    [Fact]
    public async Task A_program_that_is_not_executable_is_a_usage_error_saying_so()
    {
        using var folder = new TempDirectory();
        string program = folder.File("not-executable.sh");
        await File.WriteAllTextAsync(program, "#!/bin/sh\nexit 0\n", TestContext.Current.CancellationToken);

        CliResult result = await LaunchRunner.RunAsync("launch", "--nproc-per-node", "1", "--", program);

        result.AssertUsageError($"cannot start rank 0: '{program}': Permission denied");
    }

    [Fact]
    public async Task Ranks_started_before_the_one_that_cannot_start_are_stopped()
    {
        var plan = new LaunchPlan
        {
            Program = "/bin/sh",
            Arguments = ["-c", "exec sleep 30"],
            ProcessesPerNode = 3,
            MasterAddress = "127.0.0.1",
            MasterPort = 1,
            JobId = "start-failure",
            GracePeriod = TimeSpan.FromSeconds(20),
        };
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        ProcessStartInfo StartInfo(int localRank) => localRank == 1
            ? new ProcessStartInfo("/nonexistent/rank-1") { RedirectStandardOutput = true, RedirectStandardError = true }
            : RankStartInfo.Create(plan, localRank);
        using var supervisor = new RankSupervisor(plan, StartInfo, new LineWriter(stdout), new LineWriter(stderr), NullLogger.Instance);

        LaunchOutcome outcome = await supervisor.RunAsync().WaitAsync(LaunchRunner.Deadline, TestContext.Current.CancellationToken);

        Assert.Equal(new RankStartFailure(1, "/nonexistent/rank-1", "No such file or directory"), outcome.StartFailure);
        Assert.Equal([0], outcome.StoppedRanks);
        RankExit started = Assert.Single(outcome.Ranks);
        Assert.Equal((0, "killed by SIGTERM"), (started.Rank, started.Status));
        Assert.Equal(2, outcome.ExitCode);
    }
}
