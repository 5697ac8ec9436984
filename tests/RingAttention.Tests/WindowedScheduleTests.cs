using RingAttention.Backends;
using RingAttention.Cpu;

namespace RingAttention.Tests;

/// <summary>The step blocks of windowed problems: exact coverage, the unchanged tables, and real skips.</summary>
public sealed class WindowedScheduleTests
{
    [Theory]
    [MemberData(nameof(WindowCaseData.Cases), MemberType = typeof(WindowCaseData))]
    public void Windowed_steps_cover_exactly_the_visible_pairs_once(int ringSize, AttentionMask mask, LoadBalancing balance, int left, int right)
    {
        RingProblem problem = WindowCaseData.Problem(ringSize, mask, balance, left, right);
        int[,] covered = Coverage(problem);
        int s = problem.SequenceLength;
        for (int query = 0; query < s; query++)
        {
            for (int key = 0; key < s; key++)
            {
                bool visible = (mask == AttentionMask.None || key <= query)
                    && (left < 0 || key >= query - left) && (right < 0 || key <= query + right);
                int expected = visible ? 1 : 0;
                Assert.True(expected == covered[query, key], $"pair (q={query}, k={key}) covered {covered[query, key]} times, expected {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(RingCaseData.MasksAndBalances), MemberType = typeof(RingCaseData))]
    public void Without_a_window_each_step_is_the_table_block(int ringSize, AttentionMask mask, LoadBalancing balance)
    {
        RingProblem problem = TestTensors.Problem(ringSize, mask, balance, sequence: RingCaseData.SequenceFor(ringSize));
        for (int rank = 0; rank < ringSize; rank++)
        {
            for (int source = 0; source < ringSize; source++)
            {
                BlockTask table = RingSchedule.ForPair(problem, rank, source);
                StepTasks tasks = RingSchedule.TasksFor(problem, rank, source);
                Assert.Equal(table.IsSkipped ? 0 : 1, tasks.Count);
                if (tasks.Count == 1)
                {
                    Assert.Equal(table, tasks[0]);
                }
            }
        }
    }

    [Fact]
    public void A_dual_chunk_window_can_split_a_step_into_several_blocks()
    {
        // Rank 0 holds chunks 0 and 7 of 8; on its own block with (1, 1) both chunks see themselves under a band.
        RingProblem problem = WindowCaseData.Problem(4, AttentionMask.None, LoadBalancing.DualChunk, 1, 1);
        StepTasks tasks = RingSchedule.TasksFor(problem, 0, 0);
        Assert.Equal(2, tasks.Count);
        Assert.Equal(new BlockBand(1, 1), tasks[0].Band);
    }

    [Fact]
    public void Steps_outside_the_window_make_no_kernel_call()
    {
        // Contiguous shards of 8 rows and a causal window of 1: rank r needs only its own block and the end of r-1's.
        RingProblem problem = WindowCaseData.Problem(4, AttentionMask.Causal, LoadBalancing.None, 1, 0);
        var counters = new CountingKernel[4];
        using var ring = new CpuRingAttention(problem, null, (rank, kernel) => counters[rank] = new CountingKernel(kernel));
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] k = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] v = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        AttentionOutput forward = ring.ForwardFullSequence(q, k, v);
        ring.BackwardFullSequence(q, k, v, forward.Output, forward.Lse, q);

        Assert.Equal([1, 2, 2, 2], counters.Select(c => c.Forwards));
        Assert.Equal([1, 2, 2, 2], counters.Select(c => c.Backwards));
    }

    private static int[,] Coverage(RingProblem problem)
    {
        int s = problem.SequenceLength;
        int l = problem.LocalLength;
        var covered = new int[s, s];
        for (int rank = 0; rank < problem.RingSize; rank++)
        {
            for (int source = 0; source < problem.RingSize; source++)
            {
                StepTasks tasks = RingSchedule.TasksFor(problem, rank, source);
                for (int t = 0; t < tasks.Count; t++)
                {
                    BlockTask task = tasks[t];
                    Assert.Equal(source, task.SourceRank);
                    for (int i = task.Query.Start; i < task.Query.End; i++)
                    {
                        for (int j = task.KeyValue.Start; j < task.KeyValue.End; j++)
                        {
                            if (task.Band.Sees(i - task.Query.Start, j - task.KeyValue.Start))
                            {
                                int query = SequenceReorder.OriginalPosition(problem.Balance, problem.RingSize, s, (rank * l) + i);
                                int key = SequenceReorder.OriginalPosition(problem.Balance, problem.RingSize, s, (source * l) + j);
                                covered[query, key]++;
                            }
                        }
                    }
                }
            }
        }

        return covered;
    }

    private sealed class CountingKernel(IBlockAttentionKernel<Memory<float>> inner) : IBlockAttentionKernel<Memory<float>>
    {
        public int Forwards { get; private set; }

        public int Backwards { get; private set; }

        public void Forward(in BlockTask task, in BlockForwardTensors<Memory<float>> tensors)
        {
            Forwards++;
            inner.Forward(task, tensors);
        }

        public void Backward(in BlockTask task, in BlockBackwardTensors<Memory<float>> tensors)
        {
            Backwards++;
            inner.Backward(task, tensors);
        }
    }
}
