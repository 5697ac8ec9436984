namespace RingAttention.Tests;

/// <summary>The band helper against brute force over every (query row, key row) pair.</summary>
public sealed class BandDerivationTests
{
    [Fact]
    public void Derived_blocks_cover_exactly_the_visible_pairs_on_random_runs()
    {
        int seed = TestTensors.FreshSeed();
        var random = new Random(seed);
        int bands = 0;
        for (int trial = 0; trial < 4000; trial++)
        {
            int stride = random.Next(1, 6);
            int nq = random.Next(0, 9);
            int nk = random.Next(0, 9);
            long q0 = random.Next(-30, 30);
            long k0 = random.Next(-30, 30);
            long? lowest = random.Next(4) == 0 ? null : random.Next(-40, 10);
            long? highest = random.Next(4) == 0 ? null : random.Next(-10, 40);
            var queries = new AffineRows(random.Next(0, 3), nq, q0, stride);
            var keys = new AffineRows(random.Next(0, 3), nk, k0, stride);
            BlockTask task = BandDerivation.Derive(7, queries, keys, lowest, highest);
            string what = $"seed {seed} trial {trial}: Q{queries} K{keys} [{lowest}, {highest}] -> {task}";

            bool anyVisible = false;
            for (int i = 0; i < nq; i++)
            {
                for (int j = 0; j < nk; j++)
                {
                    long delta = k0 + (j * stride) - (q0 + (i * stride));
                    bool expected = (lowest is not long lo || delta >= lo) && (highest is not long hi || delta <= hi);
                    anyVisible |= expected;
                    int row = queries.Start + i;
                    int key = keys.Start + j;
                    bool inBox = row >= task.Query.Start && row < task.Query.End && key >= task.KeyValue.Start && key < task.KeyValue.End;
                    bool actual = !task.IsSkipped && inBox && task.Band.Sees(row - task.Query.Start, key - task.KeyValue.Start);
                    Assert.True(expected == actual, $"pair ({i}, {j}) expected {expected}: {what}");
                }
            }

            Assert.True(anyVisible != task.IsSkipped, $"skip: {what}");
            if (!task.IsSkipped)
            {
                AssertTight(task, what);
                bands += task.Band == BlockBand.None || task.Band == BlockBand.Causal ? 0 : 1;
            }
        }

        Assert.True(bands > 100, "the random runs should produce general bands");
    }

    [Theory]
    [InlineData(7, 3, 2, 3)]
    [InlineData(-7, 3, -3, -2)]
    [InlineData(6, 3, 2, 2)]
    [InlineData(-6, 3, -2, -2)]
    [InlineData(0, 5, 0, 0)]
    public void Floor_and_ceiling_divide_round_towards_the_right_infinity(long x, long y, long floor, long ceiling)
    {
        Assert.Equal(floor, BandDerivation.FloorDivide(x, y));
        Assert.Equal(ceiling, BandDerivation.CeilingDivide(x, y));
    }

    [Fact]
    public void Striped_block_after_the_diagonal_is_the_shifted_causal_block()
    {
        // Local row i of rank 0 is position 4i, of rank 2 position 4i + 2: key visible iff 4j + 2 <= 4i, i.e. j < i.
        BlockTask task = BandDerivation.Derive(2, new AffineRows(0, 5, 0, 4), new AffineRows(0, 5, 2, 4), null, 0);
        Assert.Equal(new BlockTask(2, new RowRange(1, 4), new RowRange(0, 4), BlockBand.Causal), task);
    }

    /// <summary>Every row and column of the box sees something, the band holds the diagonal and clipped sides are null.</summary>
    private static void AssertTight(BlockTask task, string what)
    {
        int rows = task.Query.Count;
        int columns = task.KeyValue.Count;
        Assert.True(task.Band.Left is not int l || (l >= 0 && l < rows - 1), $"Left not clipped: {what}");
        Assert.True(task.Band.Right is not int r || (r >= 0 && r < columns - 1), $"Right not clipped: {what}");
        for (int i = 0; i < rows; i++)
        {
            Assert.True(task.Band.VisibleKeys(i, columns).Count > 0, $"row {i} sees nothing: {what}");
        }

        for (int j = 0; j < columns; j++)
        {
            bool seen = false;
            for (int i = 0; i < rows; i++)
            {
                seen |= task.Band.Sees(i, j);
            }

            Assert.True(seen, $"column {j} is never seen: {what}");
        }
    }
}
