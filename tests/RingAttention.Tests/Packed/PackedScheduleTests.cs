namespace RingAttention.Tests.Packed;

/// <summary>The per-document step blocks against brute force on original positions.</summary>
public sealed class PackedScheduleTests
{
    [Theory]
    [InlineData(4, AttentionMask.Causal, LoadBalancing.DualChunk, null)]
    [InlineData(3, AttentionMask.Causal, LoadBalancing.Striped, null)]
    [InlineData(3, AttentionMask.None, LoadBalancing.DualChunk, 2)]
    [InlineData(2, AttentionMask.Causal, LoadBalancing.None, 1)]
    [InlineData(4, AttentionMask.Causal, LoadBalancing.DualChunk, 20)]
    [InlineData(4, AttentionMask.None, LoadBalancing.DualChunk, null)]
    [InlineData(3, AttentionMask.None, LoadBalancing.Striped, null)]
    [InlineData(1, AttentionMask.Causal, LoadBalancing.DualChunk, null)]
    [InlineData(4, AttentionMask.None, LoadBalancing.DualChunk, 15)]
    [InlineData(3, AttentionMask.Causal, LoadBalancing.Striped, 5)]
    public void Every_visible_pair_inside_a_document_is_covered_once_and_nothing_else(int ringSize, AttentionMask mask, LoadBalancing balance, int? left)
    {
        AttentionWindow? window = left is int l ? new AttentionWindow(l, mask == AttentionMask.Causal ? 0 : 1) : null;
        RingProblem problem = PackedCases.Problem(ringSize, mask, balance, [1, 37, 2, 9, 100, 18], window: window);
        PackedDocuments documents = problem.Documents!;
        for (int rank = 0; rank < ringSize; rank++)
        {
            int[] queries = PackedReorder.ShardRows(documents, balance, ringSize, rank);
            var table = new StepTaskTable(problem, rank);
            for (int source = 0; source < ringSize; source++)
            {
                int[] keys = PackedReorder.ShardRows(documents, balance, ringSize, source);
                var covered = new int[queries.Length, keys.Length];
                foreach (BlockTask task in table.For(source).ToArray())
                {
                    Assert.Equal(source, task.SourceRank);

                    // cuDNN refuses a left bound on a block with more query rows than key rows.
                    Assert.True(task.Band.Left is null || task.Query.Count <= task.KeyValue.Count, $"rank {rank} source {source}: {task}");
                    for (int i = 0; i < task.Query.Count; i++)
                    {
                        for (int j = 0; j < task.KeyValue.Count; j++)
                        {
                            if (task.Band.Sees(i, j))
                            {
                                covered[task.Query.Start + i, task.KeyValue.Start + j]++;
                            }
                        }
                    }
                }

                for (int i = 0; i < queries.Length; i++)
                {
                    for (int j = 0; j < keys.Length; j++)
                    {
                        Assert.True(Visible(problem, queries[i], keys[j]) == (covered[i, j] == 1), $"rank {rank} source {source} rows ({i}, {j}): covered {covered[i, j]}");
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(AttentionMask.Causal, LoadBalancing.DualChunk)]
    [InlineData(AttentionMask.None, LoadBalancing.DualChunk)]
    [InlineData(AttentionMask.None, LoadBalancing.Striped)]
    [InlineData(AttentionMask.Causal, LoadBalancing.Striped)]
    public void Without_a_window_a_step_runs_at_most_one_block_per_document(AttentionMask mask, LoadBalancing balance)
    {
        int[] lengths = [1, 37, 2, 9, 100, 18];
        RingProblem problem = PackedCases.Problem(4, mask, balance, lengths);
        for (int rank = 0; rank < 4; rank++)
        {
            var table = new StepTaskTable(problem, rank);
            for (int source = 0; source < 4; source++)
            {
                Assert.True(table.For(source).Length <= lengths.Length, $"rank {rank} source {source}: {table.For(source).Length} blocks");
            }
        }
    }

    [Fact]
    public void One_sequence_keeps_its_step_table()
    {
        RingProblem problem = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 32) with { Window = new AttentionWindow(3, 0) };
        for (int rank = 0; rank < 4; rank++)
        {
            var table = new StepTaskTable(problem, rank);
            for (int source = 0; source < 4; source++)
            {
                StepTasks tasks = RingSchedule.TasksFor(problem, rank, source);
                Assert.Equal(Enumerable.Range(0, tasks.Count).Select(k => tasks[k]), table.For(source).ToArray());
            }
        }
    }

    /// <summary>Brute force on packed rows: same document, both valid, under the mask and the window.</summary>
    private static bool Visible(RingProblem problem, int query, int key)
    {
        if (query < 0 || key < 0)
        {
            return false;
        }

        System.Collections.ObjectModel.ReadOnlyCollection<int> offsets = problem.Documents!.Offsets;
        int document = Enumerable.Range(0, offsets.Count - 1).First(d => query < offsets[d + 1]);
        if (key < offsets[document] || key >= offsets[document + 1])
        {
            return false;
        }

        long distance = key - query;
        AttentionWindow w = problem.Window ?? new AttentionWindow(AttentionWindow.Unbounded, AttentionWindow.Unbounded);
        return (problem.Mask != AttentionMask.Causal || distance <= 0) && (!w.HasLeft || distance >= -w.Left) && (!w.HasRight || distance <= w.Right);
    }
}
