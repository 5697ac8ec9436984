using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

public sealed class NpyRoundTripTests
{
    [Theory]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 3, 5 })]
    [InlineData(new[] { 2, 3, 4, 5 })]
    [InlineData(new int[0])]
    [InlineData(new[] { 0, 4 })]
    public void Written_arrays_read_back_with_the_same_shape_and_bits(int[] shape)
    {
        Random random = TestRandom.Create(out int seed);
        float[] data = TestRandom.Normal(random, NpyArray.ElementCountOf(shape));
        using var directory = new TempDirectory();
        string path = directory.File("a.npy");

        NpyWriter.Write(path, new NpyArray(shape, data));
        NpyArray read = NpyReader.Read(path);

        Assert.Equal(shape, read.Shape);
        Assert.True(data.SequenceEqual(read.Data), $"seed {seed}");
    }

    [Fact]
    public void Special_values_survive_a_round_trip()
    {
        float[] data = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, float.MaxValue];
        using var stream = new MemoryStream();

        NpyWriter.Write(stream, new NpyArray([data.Length], data));
        NpyArray read = NpyReader.Parse(stream.ToArray(), "special.npy");

        Assert.Equal(
            data.Select(BitConverter.SingleToInt32Bits),
            read.Data.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Array_rejects_data_that_does_not_fill_its_shape()
    {
        Assert.Throws<ArgumentException>(() => new NpyArray([2, 3], new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NpyArray([-1], []));
    }
}
