using System.Diagnostics;
using RingAttention.Backends;
using RingAttention.Cpu;

namespace RingAttention.Tests;

public sealed class RingFailureTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_rank_that_throws_fails_the_whole_ring_with_its_error(int failingRank)
    {
        RingProblem problem = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 16);
        var options = new CpuRingOptions { ExchangeTimeout = TimeSpan.FromSeconds(30) };
        using var ring = new CpuRingAttention(problem, options, (rank, kernel) => rank == failingRank ? new FailingKernel(kernel, failAtCall: 2) : kernel);
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] kv = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);

        var clock = Stopwatch.StartNew();
        RingFailedException e = Assert.Throws<RingFailedException>(() => ring.ForwardFullSequence(q, kv, kv));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the ring took {clock.Elapsed} to fail");
        Assert.Equal(failingRank, e.Rank);
        InvalidOperationException cause = Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Equal("injected failure", cause.Message);
    }

    [Fact]
    public void The_ring_works_again_after_a_failure()
    {
        RingProblem problem = TestTensors.Problem(3, AttentionMask.None, LoadBalancing.None, sequence: 12);
        var failing = new FailingKernel[3];
        using var ring = new CpuRingAttention(problem, null, (rank, kernel) => failing[rank] = new FailingKernel(kernel, failAtCall: rank == 1 ? 1 : -1));
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] k = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] v = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);

        Assert.Throws<RingFailedException>(() => ring.ForwardFullSequence(q, k, v));
        AttentionOutput result = ring.ForwardFullSequence(q, k, v);

        (double[] expected, _) = AttentionReference.Forward(problem, q, k, v);
        Assert.True(TestTensors.RelativeError(result.Output, expected) < 1e-5);
    }

    [Fact]
    public void A_rank_that_never_arrives_times_out_instead_of_hanging()
    {
        using var hub = new ThreadRingHub(2, TimeSpan.FromMilliseconds(200));
        float[] send = [1f];
        float[] receive = [0f];

        RingFailedException e = Assert.Throws<RingFailedException>(() => ThreadedRing.Run(hub, rank =>
        {
            if (rank == 0)
            {
                var transport = new ThreadRingTransport(hub, 0);
                transport.Start(RingChannel.KeyValue, RingDirection.Forward, send, receive);
                transport.Wait(RingChannel.KeyValue);
            }

            // rank 1 returns without ever taking part
        }));

        Assert.IsType<TimeoutException>(e.InnerException);
        Assert.Contains("Rank 0 waited", e.InnerException!.Message, StringComparison.Ordinal);
    }

    private sealed class FailingKernel(IBlockAttentionKernel<Memory<float>> inner, int failAtCall) : IBlockAttentionKernel<Memory<float>>
    {
        private int _calls;

        public void Forward(in BlockTask task, in BlockForwardTensors<Memory<float>> tensors)
        {
            if (++_calls == failAtCall)
            {
                throw new InvalidOperationException("injected failure");
            }

            inner.Forward(task, tensors);
        }

        public void Backward(in BlockTask task, in BlockBackwardTensors<Memory<float>> tensors) => inner.Backward(task, tensors);
    }
}
