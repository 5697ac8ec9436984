using System.Diagnostics;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Tests.Distributed.Coordination;

public sealed class FailureDetectionTests
{
    /// <summary>How soon a closed socket or a reported failure must reach every rank: a loopback round trip, with room for a loaded runner.</summary>
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_rank_killed_after_the_join_is_reported_dead_to_every_other_rank(int victim)
    {
        using var job = new TestJob(4);
        RankCoordinator[] ranks = job.JoinAll();
        var clock = Stopwatch.StartNew();

        ranks[victim].Crash();

        foreach (RankCoordinator survivor in Others(ranks, victim))
        {
            AssertFailsWithin(survivor, Promptly + TimeSpan.FromSeconds(0.5), clock);
            Assert.Equal(new RankFailure(victim, RankFailureKind.Died, survivor.Failure!.Message), survivor.Failure);
            Assert.StartsWith($"rank {victim} died: its connection to the coordinator", survivor.Failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_reported_failure_reaches_every_rank_with_its_reason()
    {
        using var job = new TestJob(3);
        RankCoordinator[] ranks = job.JoinAll();
        var clock = Stopwatch.StartNew();

        ranks[1].ReportFailure("CUDA error 700 (illegal address) in step 3");

        foreach (RankCoordinator rank in ranks)
        {
            AssertFailsWithin(rank, Promptly, clock);
            Assert.Equal(new RankFailure(1, RankFailureKind.Reported, "rank 1 failed: CUDA error 700 (illegal address) in step 3"), rank.Failure);
        }
    }

    [Fact]
    public void A_rank_that_stops_sending_heartbeats_is_declared_silent_after_the_peer_timeout()
    {
        using var job = new TestJob(3);
        RankCoordinator[] ranks = job.JoinAll();
        var clock = Stopwatch.StartNew();

        ranks[2].Freeze();

        foreach (RankCoordinator rank in ranks)
        {
            AssertFailsWithin(rank, job.Options.PeerTimeout + Promptly, clock);
            Assert.Equal(new RankFailure(2, RankFailureKind.Silent, "rank 2 sent no heartbeat for 1 s: it is hung, frozen or cut off."), rank.Failure);
        }

        Assert.True(clock.Elapsed >= job.Options.PeerTimeout - job.Options.HeartbeatInterval, $"declared silent after only {clock.Elapsed}");
    }

    [Fact]
    public void Every_rank_sees_the_coordinator_lost_when_rank_0_is_killed()
    {
        using var job = new TestJob(3);
        RankCoordinator[] ranks = job.JoinAll();
        var clock = Stopwatch.StartNew();

        ranks[0].Crash();

        foreach (RankCoordinator survivor in Others(ranks, 0))
        {
            AssertFailsWithin(survivor, Promptly, clock);
            Assert.Equal(RankFailureKind.CoordinatorLost, survivor.Failure!.Kind);
            Assert.Equal(0, survivor.Failure.Rank);
            Assert.StartsWith($"rank 0's coordinator at {job.Where} closed the connection", survivor.Failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_rank_sees_the_coordinator_lost_when_rank_0_freezes()
    {
        using var job = new TestJob(3);
        RankCoordinator[] ranks = job.JoinAll();
        var clock = Stopwatch.StartNew();

        ranks[0].Freeze();

        foreach (RankCoordinator survivor in Others(ranks, 0))
        {
            AssertFailsWithin(survivor, job.Options.PeerTimeout + Promptly, clock);
            Assert.Equal(new RankFailure(0, RankFailureKind.CoordinatorLost, $"rank 0's coordinator at {job.Where} sent nothing for 1 s: rank 0 died, ended the job or is cut off."), survivor.Failure);
        }

        Assert.True(clock.Elapsed >= job.Options.PeerTimeout - job.Options.HeartbeatInterval, $"declared lost after only {clock.Elapsed}");
    }

    [Fact]
    public void Only_the_first_failure_counts_and_the_token_is_cancelled_once()
    {
        using var job = new TestJob(3);
        RankCoordinator[] ranks = job.JoinAll();
        int cancellations = 0;
        using CancellationTokenRegistration counting = ranks[0].Failed.Register(() => Interlocked.Increment(ref cancellations));
        var clock = Stopwatch.StartNew();

        ranks[1].ReportFailure("first");
        AssertFailsWithin(ranks[0], Promptly, clock);
        ranks[2].Crash();

        // The token's callbacks run on the thread pool (CancelAsync), late on a loaded machine: wait for the first with
        // a deadline, then leave a second one time to show.
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref cancellations) > 0, TimeSpan.FromSeconds(10)), "the token was never cancelled");
        Thread.Sleep(300);

        Assert.Equal(new RankFailure(1, RankFailureKind.Reported, "rank 1 failed: first"), ranks[0].Failure);
        Assert.Equal(1, Volatile.Read(ref cancellations));
    }

    [Fact]
    public void Ranks_that_all_leave_see_no_failure()
    {
        using var job = new TestJob(4);
        RankCoordinator[] ranks = job.JoinAll();
        var clock = Stopwatch.StartNew();

        RankThreadsForTests.RunAll(ranks.Length, rank => ranks[rank].Leave());

        Assert.True(clock.Elapsed < job.Options.LeaveTimeout, $"leaving took {clock.Elapsed}: rank 0 waited for ranks that had left");
        Assert.All(ranks, rank => Assert.Null(rank.Failure));
        Assert.All(ranks, rank => Assert.False(rank.Failed.IsCancellationRequested));
    }

    [Fact]
    public void A_rank_that_left_is_not_reported_when_it_closes()
    {
        using var job = new TestJob(3);
        RankCoordinator[] ranks = job.JoinAll();

        ranks[2].Dispose();
        Thread.Sleep(job.Options.PeerTimeout + TimeSpan.FromMilliseconds(300)); // longer than it takes to notice a death or a silence

        Assert.Null(ranks[0].Failure);
        Assert.Null(ranks[1].Failure);
    }

    [Fact]
    public void Rank_0_leaving_waits_at_most_the_leave_timeout_then_the_others_see_it_gone()
    {
        var options = new CoordinatorOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100), PeerTimeout = TimeSpan.FromSeconds(1), LeaveTimeout = TimeSpan.FromSeconds(1) };
        using var job = new TestJob(2, options);
        RankCoordinator[] ranks = job.JoinAll();
        var clock = Stopwatch.StartNew();

        ranks[0].Dispose();

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(2.5));
        AssertFailsWithin(ranks[1], Promptly, Stopwatch.StartNew()); // the coordinator closed as Dispose returned
        Assert.Equal(RankFailureKind.CoordinatorLost, ranks[1].Failure!.Kind);
    }

    [Fact]
    public void Dispose_after_the_coordinator_is_gone_is_prompt()
    {
        using var job = new TestJob(2);
        RankCoordinator[] ranks = job.JoinAll();
        ranks[0].Crash();
        AssertFailsWithin(ranks[1], Promptly, Stopwatch.StartNew());
        var clock = Stopwatch.StartNew();

        ranks[1].Dispose();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"dispose took {clock.Elapsed}");
    }

    private static IEnumerable<RankCoordinator> Others(RankCoordinator[] ranks, int except) => ranks.Where(rank => rank.Rank != except);

    internal static void AssertFailsWithin(RankCoordinator rank, TimeSpan bound, Stopwatch since)
    {
        TimeSpan left = bound - since.Elapsed;
        Assert.True(
            rank.Failed.WaitHandle.WaitOne(left > TimeSpan.Zero ? left : TimeSpan.Zero),
            $"rank {rank.Rank} saw no failure within {bound} (failure: {rank.Failure})");
        Assert.NotNull(rank.Failure);
        TestContext.Current.TestOutputHelper?.WriteLine($"rank {rank.Rank} saw {rank.Failure.Kind} after {since.Elapsed.TotalMilliseconds:0} ms: {rank.Failure.Message}");
    }
}
