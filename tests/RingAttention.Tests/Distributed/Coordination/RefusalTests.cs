using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Tests.Distributed.Coordination;

/// <summary>Check-ins the coordinator turns away, spoken on the wire by a hand-made rank.</summary>
public sealed class RefusalTests
{
    [Fact]
    public void A_rank_of_another_protocol_version_is_told_so_and_the_job_is_untouched()
    {
        using var job = new TestJob(1);
        using RankCoordinator only = job.Join(0);
        using Socket stranger = RawPeer.Connect(job.Port);

        stranger.Send(new Hello(2, TestJob.JobId, 0, 1, TestJob.Fingerprint).ToGreeting());

        string reason = ReadRejection(stranger);
        Assert.StartsWith("127.0.0.1:", reason, StringComparison.Ordinal);
        Assert.EndsWith($" speaks coordinator protocol 2 but rank 0's coordinator at {job.Where} speaks 1: mixed library versions.", reason, StringComparison.Ordinal);
        Assert.Null(only.Failure);
    }

    [Fact]
    public void A_rank_that_comes_after_the_job_formed_is_refused_and_the_job_is_untouched()
    {
        using var job = new TestJob(2);
        RankCoordinator[] ranks = job.JoinAll();

        CoordinatorException e = Assert.Throws<CoordinatorException>(() => job.Join(1));

        Assert.Equal($"rank 1 tried to join job \"test-job\" at {job.Where}, which already formed with all 2 ranks.", e.Message);
        Thread.Sleep(300); // several heartbeats: the refusal must not have disturbed the job
        Assert.All(ranks, rank => Assert.Null(rank.Failure));
    }

    [Fact]
    public void A_rank_that_dies_while_the_job_forms_fails_the_join_without_waiting_for_the_join_timeout()
    {
        using var job = new TestJob(3);
        var clock = Stopwatch.StartNew();
        RankOutcome<RankCoordinator>[] ranks = RankThreadsForTests.Run(2, i =>
        {
            if (i == 0)
            {
                return job.Join(0);
            }

            using Socket doomed = RawPeer.Connect(job.Port);
            doomed.Send(new Hello(Hello.CurrentProtocolVersion, TestJob.JobId, 1, 3, TestJob.Fingerprint).ToGreeting());
            Thread.Sleep(100); // checked in; rank 2 has not come yet
            doomed.LingerState = new LingerOption(enable: true, seconds: 0); // then killed
            return null!;
        });

        CoordinatorException e = Assert.IsType<CoordinatorException>(ranks[0].Error);
        Assert.Matches(@"^rank 1 \(127\.0\.0\.1:\d+\) closed its connection before all ranks joined: it died or gave up\.$", e.Message);
        TimeSpan bound = job.Options.PeerTimeout + TimeSpan.FromSeconds(1);
        Assert.True(clock.Elapsed < bound, $"rank 0 failed after {clock.Elapsed}; it should wait for late ranks a peer timeout at most");
    }

    /// <summary>Reads frames, skipping heartbeats, until a rejection; returns its reason.</summary>
    private static string ReadRejection(Socket socket)
    {
        socket.ReceiveTimeout = 3000;
        byte[] header = new byte[5];
        while (true)
        {
            ReceiveExactly(socket, header);
            byte[] body = new byte[BinaryPrimitives.ReadInt32LittleEndian(header) - 1];
            ReceiveExactly(socket, body);
            if ((FrameKind)header[4] == FrameKind.Rejected)
            {
                return CoordinatorFrames.ReadText(body);
            }
        }
    }

    private static void ReceiveExactly(Socket socket, Span<byte> into)
    {
        while (!into.IsEmpty)
        {
            int received = socket.Receive(into);
            Assert.True(received > 0, "the coordinator closed the connection without a rejection");
            into = into[received..];
        }
    }
}
