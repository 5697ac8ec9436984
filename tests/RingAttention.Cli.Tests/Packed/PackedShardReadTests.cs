using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests.Packed;

/// <summary>
/// What a rank of a distributed <c>--layout thd</c> run reads: its shard straight from the mapped file, equal to the
/// library's own sharding of the whole tensor, padding rows zero.
/// </summary>
public sealed class PackedShardReadTests
{
    [Theory]
    [InlineData(LoadBalancing.DualChunk, 3)]
    [InlineData(LoadBalancing.Striped, 2)]
    [InlineData(LoadBalancing.None, 4)]
    public void A_rank_reads_the_shard_the_library_cuts(LoadBalancing balance, int ringSize)
    {
        int[] lengths = [1, 13, 2, 9];
        const int Heads = 2;
        const int HeadDim = 3;
        int tokens = lengths.Sum();
        Random random = TestRandom.Create(out int seed);
        float[] data = [.. Enumerable.Range(0, tokens * Heads * HeadDim).Select(_ => (float)random.NextDouble() + 1)];
        using var folder = new TempDirectory();
        string path = folder.File("q.npy");
        NpyWriter.Write(path, new NpyArray([tokens, Heads, HeadDim], data));
        PackedDocuments documents = PackedDocuments.Padded(lengths, balance, ringSize);
        var axis = new SequenceAxis(1, tokens, Heads * HeadDim);
        float[][] expected = PackedReorder.Shard<float>(data, axis, documents, balance, ringSize);

        using NpyMappedFile file = NpyMappedFile.Open(path, "--q q.npy");
        int paddingRows = 0;
        for (int rank = 0; rank < ringSize; rank++)
        {
            int[] rows = PackedReorder.ShardRows(documents, balance, ringSize, rank);
            float[] shard = new float[rows.Length * Heads * HeadDim];
            shard.AsSpan().Fill(float.NaN); // padding rows must be written (zero), not left as they were
            file.CopyShardRows(axis, rows, shard, checkFinite: true);

            paddingRows += rows.Count(row => row < 0);
            Assert.True(expected[rank].AsSpan().SequenceEqual(shard), $"rank {rank} (seed {seed})");
            for (int j = 0; j < rows.Length; j++)
            {
                bool padding = rows[j] < 0;
                Assert.All(shard.AsSpan(j * Heads * HeadDim, Heads * HeadDim).ToArray(), x => Assert.Equal(padding, x == 0));
            }
        }

        Assert.True(paddingRows > 0, "the lengths must leave padding rows in some shard");
    }
}
