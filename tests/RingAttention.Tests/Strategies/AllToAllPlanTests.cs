using RingAttention.Strategies;
using RingAttention.Threading;

namespace RingAttention.Tests.Strategies;

public sealed class AllToAllPlanTests
{
    [Theory]
    [InlineData(4, 8, 4)]
    [InlineData(4, 8, 8)]
    [InlineData(4, 8, 2)]
    [InlineData(4, 4, 1)]
    [InlineData(8, 16, 2)]
    [InlineData(3, 6, 3)]
    public void Every_members_query_heads_map_to_kv_heads_it_holds(int members, int queryHeads, int keyValueHeads)
    {
        var plan = new AllToAllPlan(members, localLength: 2, queryHeads, keyValueHeads);
        int group = queryHeads / keyValueHeads;
        int localGroup = plan.QueryHeadsPerMember / plan.KeyValueHeadsPerMember;
        for (int j = 0; j < members; j++)
        {
            HeadRange q = plan.QueryHeads(j);
            HeadRange kv = plan.KeyValueHeads(j);
            Assert.Equal(plan.QueryHeadsPerMember, q.Count);
            for (int h = 0; h < q.Count; h++)
            {
                // The rank's own attention uses local GQA: local query head h reads local KV head h / localGroup.
                Assert.Equal(((q.Start + h) / group) - kv.Start, h / localGroup);
            }
        }

        Assert.Equal(Enumerable.Range(0, queryHeads), Enumerable.Range(0, members).SelectMany(j => Enumerable.Range(plan.QueryHeads(j).Start, plan.QueryHeadsPerMember)));
        for (int head = 0; head < keyValueHeads; head++)
        {
            Assert.Equal(plan.Replication, plan.GradientSources(head).Count);
        }
    }

    [Fact]
    public void Replication_follows_the_verl_rule()
    {
        var plan = new AllToAllPlan(8, 1, 16, 2);
        Assert.Equal(4, plan.Replication);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], Enumerable.Range(0, 8).Select(j => plan.KeyValueHeads(j).Start));
        Assert.Equal([4, 5, 6, 7], plan.GradientSources(1));
    }

    [Fact]
    public void Heads_that_do_not_split_are_refused() =>
        Assert.Throws<ArgumentException>(() => new AllToAllPlan(4, 1, 12, 3));

    [Theory]
    [InlineData(4, LoadBalancing.DualChunk, 8, 2)]
    [InlineData(4, LoadBalancing.None, 8, 8)]
    [InlineData(3, LoadBalancing.Striped, 6, 3)]
    [InlineData(4, LoadBalancing.DualChunk, 4, 1)]
    public void Scatter_then_reorder_gives_each_member_the_whole_sequence_of_its_heads_and_gather_restores_the_shards(
        int members, LoadBalancing balance, int queryHeads, int keyValueHeads)
    {
        int sequence = 2 * members * 2;
        int local = sequence / members;
        var plan = new AllToAllPlan(members, local, queryHeads, keyValueHeads);
        int[] rowOf = GatheredSequenceOrder.ToSequenceOrder(balance, members, sequence);
        using var hub = new ThreadCollectiveHub(members, TimeSpan.FromSeconds(30));
        using var threads = new RankThreads(hub);
        threads.Run(rank =>
        {
            var transport = new ThreadCollectiveTransport(hub, rank);
            int[] positions = GatheredSequenceOrder.LocalPositions(balance, members, sequence, rank);

            // Q-like: label (position, head); scatter, reorder, check; then send it back as O and check the shard.
            float[] seq = Scatter(transport, plan.QueryBlocks(rank), positions, local, plan.QueryHeadsPerMember, rowOf);
            CheckSequence(seq, plan.QueryHeads(rank), sequence);
            float[] shard = Gather(transport, plan.QueryBlocks(rank), seq, rowOf, local, plan.QueryHeadsPerMember, queryHeads, sum: false);
            CheckShard(shard, positions, queryHeads, replication: 1);

            // K-like, with replicas: scatter, then the backward sums every replica's dK into the shard.
            float[] kv = Scatter(transport, plan.KeyValueBlocks(rank), positions, local, plan.KeyValueHeadsPerMember, rowOf);
            CheckSequence(kv, plan.KeyValueHeads(rank), sequence);
            float[] dk = Gather(transport, plan.KeyValueBlocks(rank), kv, rowOf, local, plan.KeyValueHeadsPerMember, keyValueHeads, sum: true);
            CheckShard(dk, positions, keyValueHeads, plan.Replication);
        });
    }

    private static float Label(int position, int head) => (position * 100) + head;

    private static float[] Scatter(ThreadCollectiveTransport transport, IReadOnlyList<AllToAllBlock> blocks, int[] positions, int local, int heads, int[] rowOf)
    {
        var send = new float[blocks.Count * local * heads];
        foreach (AllToAllBlock block in blocks)
        {
            for (int i = 0; i < local; i++)
            {
                for (int h = 0; h < heads; h++)
                {
                    send[(((block.Peer * local) + i) * heads) + h] = Label(positions[i], block.Heads.Start + h);
                }
            }
        }

        var receive = new float[send.Length];
        transport.AllToAll(send, receive);
        var sequenceOrder = new float[receive.Length];
        for (int t = 0; t < rowOf.Length; t++)
        {
            receive.AsSpan(rowOf[t] * heads, heads).CopyTo(sequenceOrder.AsSpan(t * heads, heads));
        }

        return sequenceOrder;
    }

    private static float[] Gather(ThreadCollectiveTransport transport, IReadOnlyList<AllToAllBlock> blocks, float[] sequenceOrder, int[] rowOf, int local, int heads, int totalHeads, bool sum)
    {
        var send = new float[sequenceOrder.Length];
        for (int t = 0; t < rowOf.Length; t++)
        {
            sequenceOrder.AsSpan(t * heads, heads).CopyTo(send.AsSpan(rowOf[t] * heads, heads));
        }

        var receive = new float[send.Length];
        transport.AllToAll(send, receive);
        var shard = new float[local * totalHeads];
        foreach (AllToAllBlock block in blocks)
        {
            for (int i = 0; i < local; i++)
            {
                for (int h = 0; h < heads; h++)
                {
                    float value = receive[(((block.Peer * local) + i) * heads) + h];
                    int target = (i * totalHeads) + block.Heads.Start + h;
                    shard[target] = sum ? shard[target] + value : value;
                }
            }
        }

        return shard;
    }

    private static void CheckSequence(float[] sequenceOrder, HeadRange heads, int sequence)
    {
        for (int t = 0; t < sequence; t++)
        {
            for (int h = 0; h < heads.Count; h++)
            {
                Assert.Equal(Label(t, heads.Start + h), sequenceOrder[(t * heads.Count) + h]);
            }
        }
    }

    private static void CheckShard(float[] shard, int[] positions, int heads, int replication)
    {
        for (int i = 0; i < positions.Length; i++)
        {
            for (int h = 0; h < heads; h++)
            {
                Assert.Equal(replication * Label(positions[i], h), shard[(i * heads) + h]);
            }
        }
    }
}
