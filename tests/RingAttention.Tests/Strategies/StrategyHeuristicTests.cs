using RingAttention.Strategies;

namespace RingAttention.Tests.Strategies;

public sealed class StrategyHeuristicTests
{
    private static StrategyChoice Choose(RingProblem problem) => StrategyHeuristic.Choose(problem, LinkModel.NvLink4H200);

    [Fact]
    public void One_rank_runs_the_ring() =>
        Assert.Equal(ContextParallelStrategy.Ring, Choose(StrategyTestProblems.Problem(1, 1024)).Strategy);

    [Fact]
    public void Long_causal_sequences_hide_the_ring_behind_compute()
    {
        StrategyChoice choice = Choose(Model(ranks: 8, sequence: 1 << 20, queryHeads: 32, keyValueHeads: 32));
        Assert.Equal(ContextParallelStrategy.Ring, choice.Strategy);
        Assert.Equal(0, choice.ExposedSeconds);
    }

    [Fact]
    public void A_narrow_window_with_one_kv_head_all_gathers()
    {
        // W <= c: only 2 of the 7 ring steps have work; all-to-all would replicate the KV head 8 times and move Q, O.
        RingProblem problem = Model(ranks: 8, sequence: 1 << 15, queryHeads: 32, keyValueHeads: 1) with { Window = AttentionWindow.Causal(256) };
        Assert.Equal(ContextParallelStrategy.AllGather, Choose(problem).Strategy);
    }

    [Fact]
    public void Short_sequences_with_enough_heads_use_all_to_all()
    {
        StrategyChoice choice = Choose(Model(ranks: 8, sequence: 2048, queryHeads: 32, keyValueHeads: 32));
        Assert.Equal(ContextParallelStrategy.AllToAll, choice.Strategy);
        Assert.Contains("AllToAll", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void More_ranks_than_kv_heads_and_medium_shards_use_all_to_all_then_ring()
    {
        // 16 ranks, 4 KV heads, L = 2048: a 16-step ring cannot hide its steps, a plain all-to-all replicates K/V 4
        // times; a2a over groups of 4 (no replication) and a 4-step ring over shards of 4L rows hides the ring part.
        RingProblem problem = Model(ranks: 16, sequence: 1 << 15, queryHeads: 4, keyValueHeads: 4);
        StrategyChoice choice = Choose(problem);
        Assert.Equal(ContextParallelStrategy.AllToAllThenRing, choice.Strategy);
        Assert.Equal(4, choice.AllToAllSize);
        choice.Apply(problem).Validate();
    }

    [Fact]
    public void The_same_narrow_window_on_a_long_sequence_keeps_the_ring()
    {
        RingProblem problem = Model(ranks: 8, sequence: 1 << 20, queryHeads: 32, keyValueHeads: 1) with { Window = AttentionWindow.Causal(256) };
        Assert.Equal(ContextParallelStrategy.Ring, Choose(problem).Strategy);
    }

    [Fact]
    public void Busy_ring_steps_follow_the_window_reach()
    {
        RingProblem problem = Model(ranks: 8, sequence: 1 << 12, queryHeads: 8, keyValueHeads: 8);
        Assert.Equal(7, AttentionWork.BusyRingSteps(problem));
        Assert.Equal(2, AttentionWork.BusyRingSteps(problem with { Window = AttentionWindow.Causal(256) }));
        Assert.Equal(4, AttentionWork.BusyRingSteps(problem with { Window = AttentionWindow.Causal(257) }));
        Assert.Equal(1, AttentionWork.BusyRingSteps(problem with { Balance = LoadBalancing.None, Window = AttentionWindow.Causal(512) }));
        Assert.Equal(3, AttentionWork.BusyRingSteps(problem with { Balance = LoadBalancing.Striped, Window = AttentionWindow.Causal(3) }));
    }

    [Fact]
    public void Striped_never_gets_the_hierarchy_but_may_get_all_gather()
    {
        RingProblem problem = Model(ranks: 8, sequence: 4096, queryHeads: 8, keyValueHeads: 1) with { Balance = LoadBalancing.Striped };
        Assert.DoesNotContain(StrategyHeuristic.Candidates(problem), c => c.Strategy is ContextParallelStrategy.AllToAllThenRing);
        Assert.Contains(StrategyHeuristic.Candidates(problem), c => c.Strategy is ContextParallelStrategy.AllGather);
    }

    [Fact]
    public void Every_choice_is_a_problem_that_validates()
    {
        foreach (int ranks in new[] { 2, 4, 8 })
        {
            foreach (int sequence in new[] { 2048, 1 << 16 })
            {
                foreach (int kv in new[] { 1, 2, 8 })
                {
                    RingProblem problem = Model(ranks, sequence, queryHeads: 16, keyValueHeads: kv);
                    Choose(problem).Apply(problem).Validate();
                }
            }
        }
    }

    private static RingProblem Model(int ranks, int sequence, int queryHeads, int keyValueHeads) =>
        StrategyTestProblems.Problem(ranks, sequence, LoadBalancing.DualChunk, AttentionMask.Causal, queryHeads: queryHeads, keyValueHeads: keyValueHeads, headDim: 128);
}
