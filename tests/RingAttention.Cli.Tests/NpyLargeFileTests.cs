using System.Buffers.Binary;
using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary>
/// Files past 2 GiB, the size of one fp32 tensor of S = 256K, 16 heads, D = 128, where File.ReadAllBytes and
/// int-sized spans give up. The input is a sparse file (only the values written take disk space), so the test is fast.
/// One class, so xunit runs these one after the other: each holds a 2 GiB array. About 12 s alone on a 2-core
/// machine, so they stay in the normal run; <c>dotnet test --filter "Category!=LargeFile"</c> leaves them out.
/// </summary>
[Trait("Category", "LargeFile")]
public sealed class NpyLargeFileTests
{
    private const int Heads = 16;
    private const int HeadDim = 128;
    private const int RowElements = Heads * HeadDim;

    /// <summary>256K + 64 tokens: the data ends 512 KiB past 2 GiB; 64 rows per rank over <see cref="Ranks"/> ranks.</summary>
    private const int Sequence = (256 * 1024) + 64;

    private const int Ranks = Sequence / 64;

    private static readonly int[] Shape = [1, Sequence, Heads, HeadDim];

    /// <summary>Elements given values, by flat index; index <see cref="PastTwoGiB"/> starts beyond byte 2^31 of the data.</summary>
    private static readonly (long Index, float Value)[] Planted =
    [
        (0, 1.5f), (RowElements + 3, -2.25f), (PastTwoGiB, 3.75f), (PastTwoGiB + RowElements + 17, -4.5f), (((long)Sequence * RowElements) - 1, 5.125f),
    ];

    private const long PastTwoGiB = (1L << 31) / sizeof(float) + 12_345;

    [Fact]
    public void A_file_past_2_GiB_is_read_whole_and_by_shard()
    {
        using var folder = new TempDirectory();
        string path = folder.File("big.npy");
        long dataOffset = WriteSparse(path);
        Assert.True(new FileInfo(path).Length - dataOffset > 1L << 31, "the data must be larger than 2 GiB");

        NpyArray whole = NpyReader.Read(path);

        Assert.Equal(Shape, whole.Shape);
        foreach ((long index, float value) in Planted)
        {
            Assert.Equal(value, whole.Data[index]);
            Assert.Equal(0f, whole.Data[index == 0 ? 1 : index - 1]);
        }

        // The last rank's shard lies wholly past 2 GiB: what a rank of a distributed run maps and reads.
        using NpyMappedFile file = NpyMappedFile.Open(path, "--q big.npy");
        float[] shard = new float[64 * RowElements];
        file.CopyShard(new SequenceAxis(1, Sequence, RowElements), LoadBalancing.None, Ranks, Ranks - 1, shard, checkFinite: true);
        long shardStart = (long)(Sequence - 64) * RowElements;
        Assert.Equal(5.125f, shard[^1]);
        Assert.Equal(whole.Data.AsSpan((int)shardStart, shard.Length).ToArray(), shard);
    }

    [Fact]
    public void A_NaN_past_2_GiB_is_found_with_its_index()
    {
        using var folder = new TempDirectory();
        string path = folder.File("big.npy");
        long dataOffset = WriteSparse(path);
        long bad = ((long)(Sequence - 10) * RowElements) + 1000;
        WriteAt(path, dataOffset + (bad * sizeof(float)), float.NaN);
        using NpyMappedFile file = NpyMappedFile.Open(path, "--k big.npy");

        // Through the last rank's shard: ReadAll scans with the same code, but reading 2 GiB of holes would double the time.
        NonFiniteValueException exception = Assert.Throws<NonFiniteValueException>(
            () => file.CopyShard(new SequenceAxis(1, Sequence, RowElements), LoadBalancing.None, Ranks, Ranks - 1, new float[64 * RowElements], checkFinite: true));

        Assert.Equal($"--k big.npy holds NaN at [0, {bad / RowElements}, {bad % RowElements / HeadDim}, {bad % HeadDim}]", exception.Message);
    }

    [Fact]
    public void A_file_past_2_GiB_is_written_and_its_bytes_are_where_numpy_puts_them()
    {
        using var folder = new TempDirectory();
        string path = folder.File("out.npy");
        float[] data = new float[(long)Sequence * RowElements];
        foreach ((long index, float value) in Planted)
        {
            data[index] = value;
        }

        NpyWriter.Write(path, new NpyArray(Shape, data));

        byte[] preamble = NpyWriter.CreatePreamble(Shape);
        Assert.Equal(preamble.Length + (data.LongLength * sizeof(float)), new FileInfo(path).Length);
        using FileStream stream = File.OpenRead(path);
        byte[] head = new byte[preamble.Length];
        stream.ReadExactly(head);
        Assert.Equal(preamble, head);
        foreach ((long index, float value) in Planted)
        {
            Assert.Equal(value, ReadAt(stream, preamble.Length + (index * sizeof(float))));
            Assert.Equal(0f, ReadAt(stream, preamble.Length + ((index == 0 ? 1 : index - 1) * sizeof(float))));
        }
    }

    /// <summary>Header, then a hole of zeros set by SetLength, then the planted values; returns where the data starts.</summary>
    private static long WriteSparse(string path)
    {
        byte[] preamble = NpyWriter.CreatePreamble(Shape);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(preamble);
            stream.SetLength(preamble.Length + ((long)Sequence * RowElements * sizeof(float)));
        }

        foreach ((long index, float value) in Planted)
        {
            WriteAt(path, preamble.Length + (index * sizeof(float)), value);
        }

        return preamble.Length;
    }

    private static void WriteAt(string path, long offset, float value)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        Span<byte> bytes = stackalloc byte[sizeof(float)];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static float ReadAt(FileStream stream, long offset)
    {
        stream.Position = offset;
        Span<byte> bytes = stackalloc byte[sizeof(float)];
        stream.ReadExactly(bytes);
        return BinaryPrimitives.ReadSingleLittleEndian(bytes);
    }
}
