using RingAttention.Strategies;

namespace RingAttention.Tests.Strategies;

public sealed class GatheredSequenceOrderTests
{
    public static TheoryData<LoadBalancing, int> Cases()
    {
        var data = new TheoryData<LoadBalancing, int>();
        foreach (LoadBalancing balance in Enum.GetValues<LoadBalancing>())
        {
            foreach (int ranks in new[] { 1, 2, 3, 4, 5 })
            {
                data.Add(balance, ranks);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gathering_the_shards_in_rank_order_and_reordering_gives_the_original_sequence(LoadBalancing balance, int ranks)
    {
        int sequence = 2 * ranks * 3;
        float[] natural = Enumerable.Range(0, sequence).Select(t => (float)t).ToArray();
        float[][] shards = SequenceReorder.Shard<float>(natural, new SequenceAxis(1, sequence, 1), balance, ranks);
        float[] gathered = shards.SelectMany(s => s).ToArray();

        int[] rowOf = GatheredSequenceOrder.ToSequenceOrder(balance, ranks, sequence);
        int[] positionOf = GatheredSequenceOrder.ToRankOrder(balance, ranks, sequence);

        Assert.Equal(natural, rowOf.Select(row => gathered[row]));
        Assert.Equal(gathered, positionOf.Select(t => natural[t]));
        for (int r = 0; r < ranks; r++)
        {
            Assert.Equal(shards[r], GatheredSequenceOrder.LocalPositions(balance, ranks, sequence, r).Select(t => (float)t));
        }
    }

    [Fact]
    public void Dual_chunk_order_matches_transformer_engines_chunk_ids()
    {
        // TE get_seq_chunk_ids_for_reordering_before_attn: ids[k] = 2k, ids[N + k] = 2N - 2k - 1.
        const int ranks = 4;
        int[] rowOf = GatheredSequenceOrder.ToSequenceOrder(LoadBalancing.DualChunk, ranks, 2 * ranks);
        int[] expected = new int[2 * ranks];
        for (int k = 0; k < ranks; k++)
        {
            expected[k] = 2 * k;
            expected[ranks + k] = (2 * ranks) - (2 * k) - 1;
        }

        Assert.Equal(expected, rowOf);
    }
}
