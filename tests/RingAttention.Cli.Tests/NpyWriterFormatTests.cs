using System.Text;
using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary>Pins the writer's bytes to what numpy 2.x's np.save produces.</summary>
public sealed class NpyWriterFormatTests
{
    [Fact]
    public void Writes_a_2x3_array_byte_for_byte_like_numpy()
    {
        // np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)) with numpy 2.x: a 118-byte header (10 + 118 = 128),
        // the dict, 58 spaces (numpy's 21-digit growth room for axis 0, then 64-byte alignment) and a newline.
        byte[] expected = NpyBytes.Concat(
            [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 0x01, 0x00, 0x76, 0x00],
            Encoding.ASCII.GetBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + new string(' ', 58) + "\n"),
            [
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40,
                0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0xA0, 0x40,
            ]);

        byte[] actual = Write(new NpyArray([2, 3], [0f, 1f, 2f, 3f, 4f, 5f]));

        Assert.Equal(128 + 24, expected.Length);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Writes_a_one_element_shape_as_a_python_one_tuple()
    {
        byte[] actual = Write(new NpyArray([5], new float[5]));

        string header = Encoding.ASCII.GetString(actual, 10, 118);
        Assert.Equal("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }" + new string(' ', 60) + "\n", header);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 123456789 })]
    [InlineData(new[] { 2, 3 })]
    [InlineData(new[] { 1, 256, 4, 32 })]
    [InlineData(new[] { 1000000, 1000000, 1000000, 1000000, 1000000, 1000000, 1000000, 1000000 })]
    public void Header_is_numpy_format_1_0_aligned_to_64_and_ends_with_a_newline(int[] shape)
    {
        byte[] preamble = NpyWriter.CreatePreamble(shape);

        Assert.Equal(NpyBytes.Magic, preamble[..6]);
        Assert.Equal(new byte[] { 1, 0 }, preamble[6..8]);
        Assert.Equal(preamble.Length - 10, BitConverter.ToUInt16(preamble, 8));
        Assert.Equal(0, preamble.Length % 64);
        Assert.Equal((byte)'\n', preamble[^1]);
        string dict = Encoding.ASCII.GetString(preamble, 10, preamble.Length - 11).TrimEnd(' ');
        Assert.Equal($"{{'descr': '<f4', 'fortran_order': False, 'shape': {NpyArray.FormatShape(shape)}, }}", dict);
    }

    private static byte[] Write(NpyArray array)
    {
        using var stream = new MemoryStream();
        NpyWriter.Write(stream, array);
        return stream.ToArray();
    }
}
