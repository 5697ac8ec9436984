using RingAttention.Backends;
using RingAttention.Cpu;
using RingAttention.Testing;

namespace RingAttention.Tests;

[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class AllocationTestsGroup;

/// <summary>Runs alone: it measures the whole process's allocations.</summary>
[Collection(nameof(AllocationTests))]
public sealed class AllocationTests
{
    [Fact]
    public void A_planned_ring_allocates_nothing_per_call_on_any_thread()
    {
        RingProblem problem = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 64, headDim: 16);
        using var ring = new CpuRingAttention(problem);
        long perCall = BytesPerForwardAndBackward(ring);

        // Counted on every thread: the four rank threads do the work. 0 since the shapes named by argument errors are
        // formatted once per plan instead of on every call (they were the 1.7 KB per call once blamed on the waits).
        TestContext.Current.TestOutputHelper?.WriteLine($"{perCall} bytes per forward + backward, all threads");
        Assert.Equal(0, perCall);
    }

    [Theory]
    [InlineData(ContextParallelStrategy.AllGather, 0)]
    [InlineData(ContextParallelStrategy.AllToAll, 0)]
    [InlineData(ContextParallelStrategy.AllToAllThenRing, 2)]
    public void Every_strategy_allocates_nothing_per_call_after_the_first(ContextParallelStrategy strategy, int inner)
    {
        // Hkv = 2 over an all-to-all of 4 replicates the KV heads: the summed dK/dV path is measured too.
        RingProblem ring = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 64, queryHeads: 4, headDim: 16);
        RingProblem problem = ring with { Strategy = strategy, AllToAllSize = inner, Window = AttentionWindow.Causal(20) };
        using var attention = new CpuRingAttention(problem);
        long perCall = BytesPerForwardAndBackward(attention);

        TestContext.Current.TestOutputHelper?.WriteLine($"{strategy}: {perCall} bytes per forward + backward, all threads");
        Assert.Equal(0, perCall);
    }

    [Theory]
    [InlineData(ContextParallelStrategy.Ring, 0)]
    [InlineData(ContextParallelStrategy.AllGather, 0)]
    [InlineData(ContextParallelStrategy.AllToAll, 0)]
    [InlineData(ContextParallelStrategy.AllToAllThenRing, 2)]
    public void Packed_documents_allocate_nothing_per_call_under_every_strategy(ContextParallelStrategy strategy, int inner)
    {
        // Packed documents read a precomputed span of blocks per step: still nothing per call.
        PackedDocuments documents = PackedDocuments.Padded([1, 13, 2, 9], LoadBalancing.DualChunk, 4);
        RingProblem plain = TestTensors.Problem(
            4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: documents.TotalLength, queryHeads: 4, headDim: 16, layout: TensorLayout.Thd);
        RingProblem problem = plain with { Documents = documents, Strategy = strategy, AllToAllSize = inner };
        using var attention = new CpuRingAttention(problem);
        long perCall = BytesPerForwardAndBackward(attention);

        TestContext.Current.TestOutputHelper?.WriteLine($"{strategy}: {perCall} bytes per forward + backward, all threads");
        Assert.Equal(0, perCall);
    }

    [Fact]
    public void The_count_includes_what_rank_threads_allocate()
    {
        // Rank 2 runs on a rank thread, never on the caller's: 1 KB per block it computes must show in the count.
        RingProblem problem = TestTensors.Problem(4, AttentionMask.None, LoadBalancing.None, sequence: 16, headDim: 8);
        using var ring = new CpuRingAttention(problem, null, (rank, kernel) => rank == 2 ? new AllocatingKernel(kernel) : kernel);
        var random = new Random(TestTensors.FreshSeed());
        float[][] q = Shards(random, problem.LocalQueryElements);
        float[][] kv = Shards(random, problem.LocalKeyValueElements);
        float[][] o = Shards(random, problem.LocalQueryElements);
        float[][] lse = Shards(random, problem.LocalLseElements);

        long perCall = AllocationMeter.LeastBytesPerCall(() => ring.Forward(new(q, kv, kv, o, lse)));

        // Four steps without a mask, one 1 KB array each (plus its header).
        Assert.InRange(perCall, 4 * 1024, 4 * 1100);
    }

    /// <summary>The fewest bytes one forward plus one backward allocates on any thread, on fresh random shards.</summary>
    private static long BytesPerForwardAndBackward(CpuRingAttention attention)
    {
        RingProblem problem = attention.Problem;
        var random = new Random(TestTensors.FreshSeed());
        float[][] q = Shards(random, problem.LocalQueryElements);
        float[][] k = Shards(random, problem.LocalKeyValueElements);
        float[][] v = Shards(random, problem.LocalKeyValueElements);
        float[][] o = Shards(random, problem.LocalQueryElements);
        float[][] lse = Shards(random, problem.LocalLseElements);
        float[][] dO = Shards(random, problem.LocalQueryElements);
        float[][] dq = Shards(random, problem.LocalQueryElements);
        float[][] dk = Shards(random, problem.LocalKeyValueElements);
        float[][] dv = Shards(random, problem.LocalKeyValueElements);
        return AllocationMeter.LeastBytesPerCall(() =>
        {
            attention.Forward(new(q, k, v, o, lse));
            attention.Backward(new(q, k, v, o, lse, dO, dq, dk, dv));
        });
    }

    private static float[][] Shards(Random random, long elements) =>
        Enumerable.Range(0, 4).Select(_ => TestTensors.Uniform(random, elements)).ToArray();

    /// <summary>A kernel that allocates 1 KB per forward block, on whatever thread runs its rank.</summary>
    private sealed class AllocatingKernel(IBlockAttentionKernel<Memory<float>> inner) : IBlockAttentionKernel<Memory<float>>
    {
        public static byte[]? Last { get; private set; }

        public void Forward(in BlockTask task, in BlockForwardTensors<Memory<float>> tensors)
        {
            Last = new byte[1024];
            inner.Forward(task, tensors);
        }

        public void Backward(in BlockTask task, in BlockBackwardTensors<Memory<float>> tensors) => inner.Backward(task, tensors);
    }
}
