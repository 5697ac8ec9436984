using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Tests.Distributed.Coordination;

public sealed class StrangerTests
{
    [Fact]
    public void A_stranger_that_sends_garbage_is_dropped_at_once_and_the_job_still_forms()
    {
        using var job = new TestJob(3);
        RankOutcome<RankCoordinator>[] ranks = RankThreadsForTests.Run(3, rank =>
        {
            if (rank == 0)
            {
                return job.Join(0);
            }

            Thread.Sleep(200); // let rank 0 come up, so the strangers reach the coordinator first
            if (rank == 1)
            {
                using Socket garbage = RawPeer.Connect(job.Port);
                garbage.Send(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
                Assert.Equal(0, RawPeer.ReceiveUntilClosed(garbage, TimeSpan.FromSeconds(3))); // dropped without a word
            }

            return job.Join(rank);
        });
        Assert.All(ranks, outcome => Assert.Null(outcome.Error));
    }

    [Fact]
    public void A_silent_stranger_does_not_stall_the_join_and_is_dropped_after_the_handshake_timeout()
    {
        // A handshake timeout long enough that "the job formed before it" cannot be luck on a loaded runner.
        using var job = new TestJob(2, new CoordinatorOptions
        {
            HeartbeatInterval = TestJob.Fast.HeartbeatInterval,
            PeerTimeout = TestJob.Fast.PeerTimeout,
            HandshakeTimeout = TimeSpan.FromSeconds(2),
        });
        RankOutcome<Socket> silent = default;
        var clock = new Stopwatch();
        RankOutcome<RankCoordinator>[] ranks = RankThreadsForTests.Run(2, rank =>
        {
            if (rank == 1)
            {
                Thread.Sleep(200);
                silent = new RankOutcome<Socket>(RawPeer.Connect(job.Port), null);
                clock.Start();
            }

            return job.Join(rank);
        });
        TimeSpan formedAfter = clock.Elapsed;
        using Socket stranger = silent.Value!;

        Assert.All(ranks, outcome => Assert.Null(outcome.Error));
        Assert.True(formedAfter < job.Options.HandshakeTimeout, $"the job formed {formedAfter} after the stranger came");
        Assert.Equal(0, RawPeer.ReceiveUntilClosed(stranger, TimeSpan.FromSeconds(3)));
        Assert.InRange(clock.Elapsed, job.Options.HandshakeTimeout * 0.9, job.Options.HandshakeTimeout + TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public void A_stranger_that_sends_the_magic_and_a_huge_length_is_dropped()
    {
        using var job = new TestJob(1);
        using RankCoordinator only = job.Join(0);
        using Socket stranger = RawPeer.Connect(job.Port);

        stranger.Send([.. "RINGATT1"u8, 0xFF, 0xFF, 0xFF, 0x7F, 1]);

        Assert.Equal(0, RawPeer.ReceiveUntilClosed(stranger, TimeSpan.FromSeconds(3)));
        Assert.Null(only.Failure);
    }

    [Fact]
    public void A_stranger_is_dropped_at_its_first_wrong_byte_not_after_the_handshake_timeout()
    {
        using var job = new TestJob(1, new CoordinatorOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100), PeerTimeout = TimeSpan.FromSeconds(1), HandshakeTimeout = TimeSpan.FromSeconds(10) });
        using RankCoordinator only = job.Join(0);
        using Socket stranger = RawPeer.Connect(job.Port);
        var clock = Stopwatch.StartNew();

        stranger.Send("RIN?"u8); // three bytes of the magic, then a wrong one, then silence

        Assert.Equal(0, RawPeer.ReceiveUntilClosed(stranger, TimeSpan.FromSeconds(3)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"dropped after {clock.Elapsed}");
    }
}
