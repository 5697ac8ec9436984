using RingAttention.Cpu;
using RingAttention.Strategies;

namespace RingAttention.Tests.Strategies;

/// <summary>The factory plans each strategy as itself, and as the ring where it degenerates to one.</summary>
public sealed class StrategyFactoryTests
{
    [Theory]
    [InlineData(ContextParallelStrategy.Ring, 4, 0, typeof(RingLoop<Memory<float>>))]
    [InlineData(ContextParallelStrategy.AllGather, 4, 0, typeof(AllGatherLoop<Memory<float>>))]
    [InlineData(ContextParallelStrategy.AllToAll, 4, 0, typeof(HeadExchangeLoop<Memory<float>>))]
    [InlineData(ContextParallelStrategy.AllToAllThenRing, 4, 2, typeof(HeadExchangeLoop<Memory<float>>))]
    [InlineData(ContextParallelStrategy.AllToAllThenRing, 4, 1, typeof(RingLoop<Memory<float>>))]
    [InlineData(ContextParallelStrategy.AllGather, 1, 0, typeof(RingLoop<Memory<float>>))]
    [InlineData(ContextParallelStrategy.AllToAll, 1, 0, typeof(RingLoop<Memory<float>>))]
    public void Each_strategy_gets_its_loop(ContextParallelStrategy strategy, int ranks, int inner, Type expected)
    {
        RingProblem problem = TestTensors.Problem(ranks, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 8 * ranks, queryHeads: 4)
            with
        { Strategy = strategy, AllToAllSize = inner };
        using var hubs = new CpuGroupHubs(ranks, TimeSpan.FromSeconds(5));

        IRankAttention<Memory<float>> attention = StrategyFactory.Create(problem, new CpuStrategyBackend(ranks - 1, hubs, null));

        Assert.IsType(expected, attention);
    }

    [Fact]
    public void Groups_know_their_members()
    {
        var ring = new RankGroup(1, 4, 2);
        Assert.Equal(5, ring.RankOf(2));
        Assert.Equal(3, ring.MemberOf(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.MemberOf(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.MemberOf(9));
    }
}
