using System.Diagnostics;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Tests.Distributed.Coordination;

/// <summary>The same deaths as in <see cref="FailureDetectionTests"/>, but of a real process killed with SIGKILL.</summary>
public sealed class KilledProcessTests
{
    /// <summary>Long enough for a child process to start the runtime and join on a loaded runner.</summary>
    private static readonly TimeSpan ChildJoins = TimeSpan.FromSeconds(20);

    private static CoordinatorOptions Options { get; } = new()
    {
        JoinTimeout = ChildJoins,
        HeartbeatInterval = TestJob.Fast.HeartbeatInterval,
        PeerTimeout = TestJob.Fast.PeerTimeout,
        LeaveTimeout = TestJob.Fast.LeaveTimeout,
        LoggerFactory = TestJob.Fast.LoggerFactory,
    };

    [Fact]
    public void A_killed_rank_process_is_reported_dead_to_every_other_rank()
    {
        using var job = new TestJob(3, Options);
        using var child = ChildRank.Start(1, job);
        RankCoordinator[] ranks = JoinInThreads(job, [0, 2]);
        Assert.Equal($"joined {Convert.ToHexString(job.Payload)}", child.NextLine(ChildJoins));
        var clock = Stopwatch.StartNew();

        child.Kill();

        foreach (RankCoordinator survivor in ranks)
        {
            FailureDetectionTests.AssertFailsWithin(survivor, TimeSpan.FromSeconds(1), clock);
            Assert.Equal(RankFailureKind.Died, survivor.Failure!.Kind);
            Assert.Equal(1, survivor.Failure.Rank);
        }
    }

    [Fact]
    public void Every_rank_sees_the_coordinator_lost_when_rank_0s_process_is_killed()
    {
        using var job = new TestJob(3, Options);
        using var child = ChildRank.Start(0, job);
        RankCoordinator[] ranks = JoinInThreads(job, [1, 2]);
        Assert.Equal($"joined {Convert.ToHexString(job.Payload)}", child.NextLine(ChildJoins));
        Assert.All(ranks, rank => Assert.Equal(job.Payload, rank.RootPayload.ToArray()));
        var clock = Stopwatch.StartNew();

        child.Kill();

        foreach (RankCoordinator survivor in ranks)
        {
            FailureDetectionTests.AssertFailsWithin(survivor, TimeSpan.FromSeconds(1), clock);
            Assert.Equal(RankFailureKind.CoordinatorLost, survivor.Failure!.Kind);
        }
    }

    [Fact]
    public void A_rank_process_learns_that_a_rank_in_another_process_failed()
    {
        using var job = new TestJob(2, Options);
        using var child = ChildRank.Start(1, job);
        RankCoordinator[] ranks = JoinInThreads(job, [0]);
        Assert.Equal($"joined {Convert.ToHexString(job.Payload)}", child.NextLine(ChildJoins));

        ranks[0].ReportFailure("out of memory");

        Assert.Equal("failure Reported 0", child.NextLine(TimeSpan.FromSeconds(2)));
    }

    private static RankCoordinator[] JoinInThreads(TestJob job, int[] ranks)
    {
        RankOutcome<RankCoordinator>[] outcomes = RankThreadsForTests.Run(ranks.Length, i => job.Join(ranks[i]));
        Assert.All(outcomes, outcome => Assert.Null(outcome.Error));
        return [.. outcomes.Select(outcome => outcome.Value!)];
    }
}
