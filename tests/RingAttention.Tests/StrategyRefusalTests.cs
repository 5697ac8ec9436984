using RingAttention.Cpu;

namespace RingAttention.Tests;

/// <summary>The CPU backend runs the ring strategy only, and says so instead of silently running a ring.</summary>
public sealed class StrategyRefusalTests
{
    [Theory]
    [InlineData(ContextParallelStrategy.AllGather)]
    [InlineData(ContextParallelStrategy.AllToAll)]
    public void Cpu_ring_refuses_other_strategies(ContextParallelStrategy strategy)
    {
        RingProblem problem = TestTensors.Problem(2, AttentionMask.Causal, LoadBalancing.None, sequence: 8) with { Strategy = strategy };

        ArgumentException e = Assert.Throws<ArgumentException>(() => new CpuRingAttention(problem));

        Assert.Contains("only Strategy = Ring", e.Message, StringComparison.Ordinal);
        Assert.Contains(strategy.ToString(), e.Message, StringComparison.Ordinal);
    }
}
