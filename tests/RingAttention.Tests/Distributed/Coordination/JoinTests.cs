using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Tests.Distributed.Coordination;

public sealed class JoinTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    public void Every_rank_joins_and_receives_rank_0s_payload(int worldSize)
    {
        using var job = new TestJob(worldSize);

        RankCoordinator[] ranks = job.JoinAll();

        for (int rank = 0; rank < worldSize; rank++)
        {
            Assert.Equal(rank, ranks[rank].Rank);
            Assert.Equal(worldSize, ranks[rank].WorldSize);
            Assert.Equal(job.Payload, ranks[rank].RootPayload.ToArray());
            Assert.Null(ranks[rank].Failure);
            Assert.False(ranks[rank].Failed.IsCancellationRequested);
        }
    }

    [Fact]
    public void Only_rank_0s_payload_counts()
    {
        using var job = new TestJob(2);
        byte[] ignored = [1, 2, 3];
        RankOutcome<RankCoordinator>[] ranks = RankThreadsForTests.Run(2, rank => rank == 0
            ? job.Join(0)
            : RankCoordinator.Join(1, 2, TestJob.Address, job.Port, TestJob.JobId, ignored, TestJob.Fingerprint, job.Options, TestContext.Current.CancellationToken));

        using RankCoordinator second = ranks[1].Value!;
        Assert.Equal(job.Payload, second.RootPayload.ToArray());
    }

    [Fact]
    public void Ranks_that_disagree_on_the_fingerprint_all_fail_naming_who_has_which_value()
    {
        using var job = new TestJob(3);

        CoordinatorException[] errors = job.JoinAllFailing([0, 1, 2], fingerprintOf: rank => rank == 2 ? "v2" : "v1");

        Assert.All(errors, e => Assert.Equal("ranks disagree on the job fingerprint: ranks 0, 1 have \"v1\"; rank 2 has \"v2\".", e.Message));
    }

    [Fact]
    public void A_rank_given_twice_fails_every_rank_naming_it()
    {
        using var job = new TestJob(3);

        CoordinatorException[] errors = job.JoinAllFailing([0, 1, 1]);

        Assert.All(errors, e => Assert.StartsWith("rank 1 checked in twice, from 127.0.0.1:", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Ranks_that_disagree_on_the_world_size_all_fail_naming_both_sizes()
    {
        using var job = new TestJob(3);

        CoordinatorException[] errors = job.JoinAllFailing([0, 1, 2], worldSizeOf: rank => rank == 2 ? 4 : 3);

        Assert.All(errors, e => Assert.Equal("world sizes disagree: rank 2 says 4, rank 0 says 3.", e.Message));
    }

    [Fact]
    public void A_rank_that_never_joins_fails_every_other_within_the_join_timeout_naming_it()
    {
        var options = new CoordinatorOptions { JoinTimeout = TimeSpan.FromSeconds(2), HeartbeatInterval = TimeSpan.FromMilliseconds(100), PeerTimeout = TimeSpan.FromSeconds(1) };
        using var job = new TestJob(4, options);
        var clock = Stopwatch.StartNew();

        CoordinatorException[] errors = job.JoinAllFailing([0, 1, 3]);

        Assert.All(errors, e => Assert.Equal("rank 2 of 4 did not join within 2 s (joined: 0, 1, 3).", e.Message));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public void Rank_0_fails_at_once_naming_the_port_when_it_is_in_use()
    {
        var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        try
        {
            int port = ((IPEndPoint)holder.LocalEndpoint).Port;
            var clock = Stopwatch.StartNew();

            CoordinatorException e = Assert.Throws<CoordinatorException>(() =>
                RankCoordinator.Join(0, 2, TestJob.Address, port, TestJob.JobId, [], TestJob.Fingerprint, TestJob.Fast, TestContext.Current.CancellationToken));

            Assert.StartsWith($"MASTER_PORT {port} on 127.0.0.1 is already in use", e.Message, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        }
        finally
        {
            holder.Stop();
        }
    }

    [Fact]
    public void A_rank_that_cannot_reach_rank_0_fails_after_the_join_timeout_naming_the_address()
    {
        var options = new CoordinatorOptions { JoinTimeout = TimeSpan.FromSeconds(1) };
        int port = TestJob.FreePort();
        var clock = Stopwatch.StartNew();

        CoordinatorException e = Assert.Throws<CoordinatorException>(() =>
            RankCoordinator.Join(1, 2, TestJob.Address, port, TestJob.JobId, [], TestJob.Fingerprint, options, TestContext.Current.CancellationToken));

        Assert.StartsWith($"could not reach rank 0's coordinator at 127.0.0.1:{port} within 1 s (ConnectionRefused)", e.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void A_rank_that_starts_before_rank_0_waits_for_it()
    {
        using var job = new TestJob(2);
        RankOutcome<RankCoordinator>[] ranks = RankThreadsForTests.Run(2, rank =>
        {
            if (rank == 0)
            {
                Thread.Sleep(300); // rank 1 meets a refused port a few times first
            }

            return job.Join(rank);
        });

        Assert.All(ranks, outcome => Assert.Null(outcome.Error));
        Assert.Equal(job.Payload, ranks[1].Value!.RootPayload.ToArray());
    }

    [Fact]
    public void A_rank_of_another_job_is_refused_naming_both_jobs_and_the_job_still_runs()
    {
        using var job = new TestJob(2);
        RankCoordinator[] ranks = job.JoinAll();

        CoordinatorException e = Assert.Throws<CoordinatorException>(() => job.Join(1, jobId: "other-job"));

        Assert.Equal($"rank 1 asked to join job \"other-job\" but the coordinator at {job.Where} serves job \"test-job\".", e.Message);
        Thread.Sleep(300); // several heartbeats: the refusal must not have disturbed the job
        Assert.All(ranks, rank => Assert.Null(rank.Failure));
    }

    [Fact]
    public void Cancelling_the_join_stops_a_waiting_rank()
    {
        int port = TestJob.FreePort();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            RankCoordinator.Join(1, 2, TestJob.Address, port, TestJob.JobId, [], TestJob.Fingerprint, TestJob.Fast, cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }
}
