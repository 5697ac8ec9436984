using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary>Files written by numpy and other writers that the reader must accept.</summary>
public sealed class NpyReaderTests
{
    [Fact]
    public void Reads_float16_exactly()
    {
        // 1.0, -2.0, 0.5, 65504 (largest half), 2^-24 (smallest subnormal half), little-endian.
        byte[] data = [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0xFF, 0x7B, 0x01, 0x00];

        NpyArray array = NpyReader.Parse(NpyBytes.File(NpyBytes.Dict("<f2", "(5,)"), data), "half.npy");

        Assert.Equal([5], array.Shape);
        Assert.Equal([1f, -2f, 0.5f, 65504f, MathF.Pow(2, -24)], array.Data);
    }

    [Fact]
    public void Reads_float64_rounded_to_float32()
    {
        double[] values = [1.5, 0.1, -1e-3, 3e38, 1e300];
        byte[] data = NpyBytes.Float64(values);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0xF8, 0x3F }, data[..8]); // 1.5, spelled out to pin the byte order

        NpyArray array = NpyReader.Parse(NpyBytes.File(NpyBytes.Dict("<f8", "(1, 5)"), data), "double.npy");

        Assert.Equal([1, 5], array.Shape);
        Assert.Equal([1.5f, 0.1f, -1e-3f, 3e38f, float.PositiveInfinity], array.Data);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Reads_format_versions_2_and_3(byte major)
    {
        byte[] file = NpyBytes.File(NpyBytes.Dict("<f4", "(2,)"), NpyBytes.Float32(4f, -5f), major);

        NpyArray array = NpyReader.Parse(file, "v.npy");

        Assert.Equal([4f, -5f], array.Data);
    }

    [Theory]
    [InlineData("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 2)}\n")] // double quotes, no trailing comma
    [InlineData("{'shape': (2, 2), 'fortran_order': False, 'descr': '<f4'}   \n")] // other key order
    [InlineData("{'descr':'<f4','fortran_order':False,'shape':(2,2),}\n")] // no spaces
    [InlineData("  { 'descr' : '<f4' ,\t'fortran_order' : False , 'shape' : ( 2 , 2 , ) , }\n")] // spaces everywhere
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 2L), }\n")] // Python 2 longs
    public void Accepts_header_spellings_other_writers_use(string header)
    {
        byte[] file = NpyBytes.Raw(1, 0, header, NpyBytes.Float32(1f, 2f, 3f, 4f));

        NpyArray array = NpyReader.Parse(file, "variant.npy");

        Assert.Equal([2, 2], array.Shape);
        Assert.Equal([1f, 2f, 3f, 4f], array.Data);
    }

    [Fact]
    public void Reads_a_scalar()
    {
        NpyArray array = NpyReader.Parse(NpyBytes.File(NpyBytes.Dict("<f4", "()"), NpyBytes.Float32(7.25f)), "scalar.npy");

        Assert.Empty(array.Shape);
        Assert.Equal([7.25f], array.Data);
    }
}
