using RingAttention.Strategies;

namespace RingAttention.Tests.Strategies;

public sealed class HierarchicalLayoutTests
{
    [Theory]
    [InlineData(4, 2, LoadBalancing.DualChunk)]
    [InlineData(8, 2, LoadBalancing.DualChunk)]
    [InlineData(8, 4, LoadBalancing.DualChunk)]
    [InlineData(6, 3, LoadBalancing.DualChunk)]
    [InlineData(6, 2, LoadBalancing.None)]
    [InlineData(4, 4, LoadBalancing.DualChunk)]
    [InlineData(4, 1, LoadBalancing.DualChunk)]
    [InlineData(4, 4, LoadBalancing.Striped)]
    [InlineData(4, 1, LoadBalancing.Striped)]
    [InlineData(4, 4, LoadBalancing.None)]
    public void After_the_inner_all_to_all_and_reorder_each_member_holds_the_sub_problems_shard(int ranks, int inner, LoadBalancing balance)
    {
        RingProblem problem = StrategyTestProblems.Problem(ranks, 2 * ranks * 3, balance, AttentionMask.Causal, queryHeads: 2 * ranks, keyValueHeads: inner);
        var layout = new HierarchicalLayout(problem, inner);
        RingProblem sub = layout.SubProblem;
        sub.Validate();
        Assert.Equal(ranks / inner, sub.RingSize);
        Assert.Equal(inner * problem.LocalLength, sub.LocalLength);
        Assert.Equal(problem.QueryHeads / inner, sub.QueryHeads);
        int[] order = layout.InnerOrder();
        for (int rank = 0; rank < ranks; rank++)
        {
            // The group's rows in rank order: member a' holds its local rows at a'·L.
            int[] groupRows = layout.AllToAllGroup(rank)
                .SelectMany(member => GatheredSequenceOrder.LocalPositions(balance, ranks, problem.SequenceLength, member))
                .ToArray();
            int p = layout.GroupOf(rank);
            int[] expected = GatheredSequenceOrder.LocalPositions(balance, sub.RingSize, sub.SequenceLength, p);
            Assert.Equal(expected, order.Select(row => groupRows[row]));
            Assert.Equal(rank, layout.RingGroup(rank)[p]);
            Assert.Contains(rank, layout.AllToAllGroup(rank));
        }
    }

    [Fact]
    public void Groups_are_consecutive_and_rings_strided()
    {
        var layout = new HierarchicalLayout(StrategyTestProblems.Problem(8, 16, LoadBalancing.DualChunk, queryHeads: 8, keyValueHeads: 2), 2);
        Assert.Equal([4, 5], layout.AllToAllGroup(5));
        Assert.Equal([1, 3, 5, 7], layout.RingGroup(5));
        Assert.Equal(0, layout.InnerIndexOf(6));
        Assert.Equal(3, layout.GroupOf(6));
    }

    [Fact]
    public void Replicated_kv_heads_give_the_sub_problem_one_kv_head()
    {
        var layout = new HierarchicalLayout(StrategyTestProblems.Problem(8, 32, LoadBalancing.DualChunk, queryHeads: 8, keyValueHeads: 2), 4);
        Assert.Equal(2, layout.Heads.Replication);
        Assert.Equal(1, layout.SubProblem.KeyValueHeads);
        Assert.Equal(2, layout.SubProblem.QueryHeads);
    }

    [Fact]
    public void Striped_is_refused() =>
        Assert.Throws<NotSupportedException>(() => new HierarchicalLayout(StrategyTestProblems.Problem(4, 8, LoadBalancing.Striped), 2));
}
