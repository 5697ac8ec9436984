namespace RingAttention.Tests;

public sealed class SequenceReorderTests
{
    public static TheoryData<LoadBalancing, int> KindsAndRingSizes()
    {
        var data = new TheoryData<LoadBalancing, int>();
        foreach (LoadBalancing balance in Enum.GetValues<LoadBalancing>())
        {
            for (int n = 1; n <= 8; n++)
            {
                data.Add(balance, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndRingSizes))]
    public void Shard_then_restore_is_the_identity(LoadBalancing balance, int ringSize)
    {
        var random = new Random(TestTensors.FreshSeed());
        var axis = new SequenceAxis(3, 4 * ringSize, 5);
        float[] full = TestTensors.Uniform(random, axis.ElementCount);

        float[][] shards = SequenceReorder.Shard<float>(full, axis, balance, ringSize);
        float[] restored = SequenceReorder.Restore(shards, axis, balance);

        Assert.Equal(full, restored);
    }

    [Theory]
    [MemberData(nameof(KindsAndRingSizes))]
    public void Every_token_lands_on_exactly_one_rank(LoadBalancing balance, int ringSize)
    {
        int s = 4 * ringSize;
        var seen = new bool[s];
        for (int n = 0; n < s; n++)
        {
            int original = SequenceReorder.OriginalPosition(balance, ringSize, s, n);
            Assert.InRange(original, 0, s - 1);
            Assert.False(seen[original], $"token {original} assigned twice");
            seen[original] = true;
        }
    }

    [Theory]
    [InlineData(4, new[] { 0, 1, 14, 15 }, new[] { 2, 3, 12, 13 }, new[] { 4, 5, 10, 11 }, new[] { 6, 7, 8, 9 })]
    public void Dual_chunk_matches_the_published_example_for_four_ranks(int ringSize, int[] rank0, int[] rank1, int[] rank2, int[] rank3)
    {
        int[][] expected = [rank0, rank1, rank2, rank3];
        AssertRanksHold(LoadBalancing.DualChunk, ringSize, 16, expected);
    }

    [Fact]
    public void Dual_chunk_works_for_odd_ring_sizes()
    {
        AssertRanksHold(LoadBalancing.DualChunk, 3, 12, [[0, 1, 10, 11], [2, 3, 8, 9], [4, 5, 6, 7]]);
    }

    [Fact]
    public void Striped_gives_rank_r_tokens_r_plus_multiples_of_n()
    {
        AssertRanksHold(LoadBalancing.Striped, 3, 9, [[0, 3, 6], [1, 4, 7], [2, 5, 8]]);
    }

    [Fact]
    public void Shard_respects_the_outer_and_inner_axes()
    {
        // LSE-like [outer=2, S=4, inner=1] with values = 10·outer + position.
        var axis = new SequenceAxis(2, 4, 1);
        float[] full = [0, 1, 2, 3, 10, 11, 12, 13];
        float[][] shards = SequenceReorder.Shard<float>(full, axis, LoadBalancing.DualChunk, 2);
        Assert.Equal(new float[] { 0, 3, 10, 13 }, shards[0]);
        Assert.Equal(new float[] { 1, 2, 11, 12 }, shards[1]);
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_their_values()
    {
        var axis = new SequenceAxis(1, 6, 1);
        float[] full = new float[6];
        ArgumentException e = Assert.Throws<ArgumentException>(() => SequenceReorder.Shard<float>(full, axis, LoadBalancing.DualChunk, 2));
        Assert.Contains("6", e.Message, StringComparison.Ordinal);
        Assert.Contains("4", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceReorder.Shard<float>(full, axis, LoadBalancing.None, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceReorder.CopyShard<float>(full, axis, LoadBalancing.None, 2, 2, new float[3]));
        Assert.Throws<ArgumentException>(() => SequenceReorder.CopyShard<float>(full, axis, LoadBalancing.None, 2, 0, new float[4]));
    }

    private static void AssertRanksHold(LoadBalancing balance, int ringSize, int sequence, int[][] expected)
    {
        var axis = new SequenceAxis(1, sequence, 1);
        float[] positions = Enumerable.Range(0, sequence).Select(i => (float)i).ToArray();
        float[][] shards = SequenceReorder.Shard<float>(positions, axis, balance, ringSize);
        for (int r = 0; r < ringSize; r++)
        {
            Assert.Equal(expected[r].Select(i => (float)i), shards[r]);
        }
    }
}
