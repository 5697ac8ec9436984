namespace RingAttention.Tests;

public sealed class RingScheduleTests
{
    /// <summary>
    /// The strongest check of the step tables: over all N sources, the (query, key) pairs a rank's steps
    /// cover must be exactly the pairs the global mask allows, each once.
    /// </summary>
    [Theory]
    [MemberData(nameof(RingCaseData.MasksAndBalances), MemberType = typeof(RingCaseData))]
    public void Steps_cover_exactly_the_visible_pairs_once(int ringSize, AttentionMask mask, LoadBalancing balance)
    {
        RingProblem problem = TestTensors.Problem(ringSize, mask, balance, sequence: RingCaseData.SequenceFor(ringSize));
        int s = problem.SequenceLength;
        int l = problem.LocalLength;
        var covered = new int[s, s];
        for (int rank = 0; rank < ringSize; rank++)
        {
            for (int source = 0; source < ringSize; source++)
            {
                BlockTask task = RingSchedule.ForPair(problem, rank, source);
                if (task.IsSkipped)
                {
                    continue;
                }

                for (int i = task.Query.Start; i < task.Query.End; i++)
                {
                    for (int j = task.KeyValue.Start; j < task.KeyValue.End; j++)
                    {
                        bool visible = task.Band == BlockBand.None || (j - task.KeyValue.Start) <= (i - task.Query.Start);
                        if (visible)
                        {
                            int query = SequenceReorder.OriginalPosition(balance, ringSize, s, (rank * l) + i);
                            int key = SequenceReorder.OriginalPosition(balance, ringSize, s, (source * l) + j);
                            covered[query, key]++;
                        }
                    }
                }
            }
        }

        for (int query = 0; query < s; query++)
        {
            for (int key = 0; key < s; key++)
            {
                int expected = mask == AttentionMask.None || key <= query ? 1 : 0;
                Assert.True(expected == covered[query, key], $"pair (q={query}, k={key}) covered {covered[query, key]} times, expected {expected}");
            }
        }
    }

    [Fact]
    public void Dual_chunk_steps_after_the_diagonal_are_half_blocks_on_every_rank()
    {
        RingProblem problem = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 32);
        for (int rank = 0; rank < 4; rank++)
        {
            for (int step = 1; step < 4; step++)
            {
                BlockTask task = RingSchedule.ForPair(problem, rank, RingSchedule.ForwardSource(rank, step, 4));
                Assert.Equal(BlockBand.None, task.Band);
                Assert.Equal(problem.LocalLength * problem.LocalLength / 2, task.Query.Count * task.KeyValue.Count);
            }
        }
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 1, 0)]
    [InlineData(0, 1, 3)]
    [InlineData(2, 3, 3)]
    public void Forward_and_backward_visit_the_sources_in_opposite_orders(int rank, int step, int expectedForward)
    {
        Assert.Equal(expectedForward, RingSchedule.ForwardSource(rank, step, 4));
        Assert.Equal((rank + step) % 4, RingSchedule.BackwardSource(rank, step, 4));
    }
}
