using System.Diagnostics;
using RingAttention.Backends;
using RingAttention.Cpu;

namespace RingAttention.Tests.Strategies;

/// <summary>Every strategy of the CPU backend against the float64 reference, forward and backward, and its failures.</summary>
public sealed class CpuStrategyTests
{
    [Theory]
    [MemberData(nameof(StrategyCaseData.Cases), MemberType = typeof(StrategyCaseData))]
    public void Forward_and_backward_match_float64_reference(
        ContextParallelStrategy strategy, int ranks, int inner, LoadBalancing balance, AttentionMask mask, int left, int right, int queryHeads, int keyValueHeads, TensorLayout layout)
    {
        RingProblem problem = StrategyCaseData.Problem(strategy, ranks, inner, balance, mask, left, right, queryHeads, keyValueHeads, layout);
        CpuRingCheck.MatchesReference(problem);
    }

    [Theory]
    [InlineData(ContextParallelStrategy.AllGather, 0, false)]
    [InlineData(ContextParallelStrategy.AllGather, 0, true)]
    [InlineData(ContextParallelStrategy.AllToAll, 0, false)]
    [InlineData(ContextParallelStrategy.AllToAll, 0, true)]
    [InlineData(ContextParallelStrategy.AllToAllThenRing, 2, false)]
    [InlineData(ContextParallelStrategy.AllToAllThenRing, 2, true)]
    public void A_rank_that_throws_stops_every_rank_and_the_plan_works_again(ContextParallelStrategy strategy, int inner, bool inBackward)
    {
        RingProblem problem = StrategyCaseData.Problem(strategy, 4, inner, LoadBalancing.DualChunk, AttentionMask.Causal, -2, 0, 4, 2, TensorLayout.Bshd);
        var options = new CpuRingOptions { ExchangeTimeout = TimeSpan.FromSeconds(30) };
        var failing = new FailingKernel?[4];
        using var attention = new CpuRingAttention(problem, options, (rank, kernel) => rank == 2 ? failing[rank] = new FailingKernel(kernel, inBackward) : kernel);
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] kv = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] dO = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);

        var clock = Stopwatch.StartNew();
        RingFailedException e = Assert.Throws<RingFailedException>(() =>
        {
            AttentionOutput o = attention.ForwardFullSequence(q, kv, kv);
            attention.BackwardFullSequence(q, kv, kv, o.Output, o.Lse, dO);
        });

        // Every other rank stopped at its next wait instead of sitting out the 30 s deadline.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the ranks took {clock.Elapsed} to fail");
        Assert.Equal(2, e.Rank);
        Assert.Equal("injected failure", Assert.IsType<InvalidOperationException>(e.InnerException).Message);

        failing[2]!.Armed = false;
        AttentionOutput again = attention.ForwardFullSequence(q, kv, kv);
        Assert.True(TestTensors.RelativeError(again.Output, AttentionReference.Forward(problem, q, kv, kv).Output) < 1e-5);
    }

    /// <summary>Throws on its first forward (or backward) block while armed.</summary>
    private sealed class FailingKernel(IBlockAttentionKernel<Memory<float>> inner, bool inBackward) : IBlockAttentionKernel<Memory<float>>
    {
        public bool Armed { get; set; } = true;

        public void Forward(in BlockTask task, in BlockForwardTensors<Memory<float>> tensors)
        {
            ThrowIfArmed(!inBackward);
            inner.Forward(task, tensors);
        }

        public void Backward(in BlockTask task, in BlockBackwardTensors<Memory<float>> tensors)
        {
            ThrowIfArmed(inBackward);
            inner.Backward(task, tensors);
        }

        private void ThrowIfArmed(bool now)
        {
            if (Armed && now)
            {
                throw new InvalidOperationException("injected failure");
            }
        }
    }
}
