using RingAttention.Strategies;

namespace RingAttention.Tests.Strategies;

public sealed class AllGatherPlanTests
{
    public static TheoryData<int, LoadBalancing, AttentionMask, int, int> Cases()
    {
        var data = new TheoryData<int, LoadBalancing, AttentionMask, int, int>();
        (AttentionMask Mask, int Left, int Right)[] windows =
        [
            (AttentionMask.None, -2, -2), (AttentionMask.Causal, -2, -2), (AttentionMask.Causal, 0, 0),
            (AttentionMask.Causal, 3, 0), (AttentionMask.Causal, 9, 0), (AttentionMask.None, 2, 5),
            (AttentionMask.None, -1, 3), (AttentionMask.None, 4, -1), (AttentionMask.None, 0, 0),
        ];
        foreach (int ranks in new[] { 1, 2, 3, 4 })
        {
            foreach (LoadBalancing balance in new[] { LoadBalancing.None, LoadBalancing.DualChunk })
            {
                foreach ((AttentionMask mask, int left, int right) in windows)
                {
                    data.Add(ranks, balance, mask, left, right);
                }
            }
        }

        return data;
    }

    /// <param name="left">-2: no window at all.</param>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_local_row_sees_exactly_the_keys_mask_and_window_allow_in_one_tight_block(
        int ranks, LoadBalancing balance, AttentionMask mask, int left, int right)
    {
        AttentionWindow? window = left == -2 ? null : new AttentionWindow(left, right);
        RingProblem problem = StrategyTestProblems.Problem(ranks, 2 * ranks * 4, balance, mask, window);
        for (int rank = 0; rank < ranks; rank++)
        {
            int[] positions = GatheredSequenceOrder.LocalPositions(balance, ranks, problem.SequenceLength, rank);
            IReadOnlyList<AllGatherBlock> blocks = AllGatherPlan.For(problem, rank);
            Assert.Equal(problem.LocalLength, blocks.Sum(b => b.QueryCount));
            int nextRow = 0;
            foreach (AllGatherBlock block in blocks)
            {
                Assert.Equal(nextRow, block.QueryStart);
                nextRow += block.QueryCount;
                CheckBlock(problem, positions, block);
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Causal_dual_chunk_ranges_are_transformer_engines(int ranks)
    {
        const int chunk = 3;
        RingProblem problem = StrategyTestProblems.Problem(ranks, 2 * ranks * chunk, LoadBalancing.DualChunk, AttentionMask.Causal);
        for (int r = 0; r < ranks; r++)
        {
            IReadOnlyList<AllGatherBlock> blocks = AllGatherPlan.For(problem, r);
            Assert.Equal(new AllGatherBlock(0, chunk, 0, (r + 1) * chunk, null, r * chunk), blocks[0]);
            Assert.Equal(new AllGatherBlock(chunk, chunk, 0, ((2 * ranks) - r) * chunk, null, ((2 * ranks) - r - 1) * chunk), blocks[1]);
        }
    }

    [Fact]
    public void Striped_without_mask_is_one_block_over_all_keys()
    {
        RingProblem problem = StrategyTestProblems.Problem(3, 12, LoadBalancing.Striped);
        Assert.Equal([new AllGatherBlock(0, 4, 0, 12, null, null)], AllGatherPlan.For(problem, 1));
    }

    [Fact]
    public void Striped_with_a_causal_mask_is_refused_with_the_reason()
    {
        RingProblem problem = StrategyTestProblems.Problem(3, 12, LoadBalancing.Striped, AttentionMask.Causal);
        NotSupportedException e = Assert.Throws<NotSupportedException>(() => AllGatherPlan.For(problem, 0));
        Assert.Contains("band", e.Message, StringComparison.Ordinal);
    }

    private static void CheckBlock(RingProblem problem, int[] positions, AllGatherBlock block)
    {
        int first = positions[block.QueryStart];
        bool[] keyUsed = new bool[block.KeyCount];
        for (int i = 0; i < block.QueryCount; i++)
        {
            int q = positions[block.QueryStart + i];
            Assert.Equal(first + i, q);
            for (int k = 0; k < problem.SequenceLength; k++)
            {
                int j = k - block.KeyStart;
                bool planned = block.Sees(i, j);
                Assert.True(StrategyTestProblems.Visible(problem, q, k) == planned, $"query {q}, key {k}, block {block}");
                if (planned)
                {
                    keyUsed[j] = true;
                }
            }
        }

        Assert.All(keyUsed, Assert.True);
    }
}
