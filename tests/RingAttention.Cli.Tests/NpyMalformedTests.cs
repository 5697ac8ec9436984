using System.Text;
using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary>Every way a .npy file can be wrong gives an <see cref="NpyFormatException"/> with a one-line message naming the file.</summary>
public sealed class NpyMalformedTests
{
    private static readonly byte[] SixFloats = NpyBytes.Float32(1, 2, 3, 4, 5, 6);

    public static TheoryData<string, byte[], string> MalformedFiles => new()
    {
        { "empty file", [], "empty" },
        { "bad magic", Encoding.ASCII.GetBytes("PK\x03\x04 this is a zip file"), "not a .npy file" },
        { "magic only", NpyBytes.Magic, "truncated" },
        { "ends in the length field", [.. NpyBytes.Magic, 1, 0, 0x76], "truncated" },
        { "truncated header", NpyBytes.Magic.Concat(new byte[] { 1, 0, 0x76, 0 }).Concat(Encoding.ASCII.GetBytes("{'descr': '<f4'")).ToArray(), "truncated header" },
        { "version 4.0", NpyBytes.Raw(4, 0, NpyBytes.Dict("<f4", "(6,)") + "\n", SixFloats), "unsupported .npy format version 4.0" },
        { "version 1.1", NpyBytes.Raw(1, 1, NpyBytes.Dict("<f4", "(6,)") + "\n", SixFloats), "unsupported .npy format version 1.1" },
        { "no newline", NpyBytes.Raw(1, 0, NpyBytes.Dict("<f4", "(6,)") + "   ", SixFloats), "newline" },
        { "unclosed dict", NpyBytes.File("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), ", SixFloats), "bad header dict" },
        { "not a dict", NpyBytes.File("['<f4', False, (6,)]", SixFloats), "bad header dict: expected '{'" },
        { "text after dict", NpyBytes.File(NpyBytes.Dict("<f4", "(6,)") + " x", SixFloats), "after the dict" },
        { "missing shape", NpyBytes.File("{'descr': '<f4', 'fortran_order': False, }", SixFloats), "no 'shape' key" },
        { "extra key", NpyBytes.File("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1, }", SixFloats), "unexpected key 'x'" },
        { "duplicate key", NpyBytes.File("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", SixFloats), "duplicate key 'descr'" },
        { "missing colon", NpyBytes.File("{'descr' '<f4', 'fortran_order': False, 'shape': (6,), }", SixFloats), "expected ':'" },
        { "missing comma", NpyBytes.File("{'descr': '<f4' 'fortran_order': False, 'shape': (6,), }", SixFloats), "expected ',' or '}'" },
        { "unterminated string", NpyBytes.File("{'descr': '<f4, 'fortran_order': False, 'shape': (6,), }", SixFloats), "bad header dict" },
        { "escape in string", NpyBytes.File("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (6,), }", SixFloats), "escape" },
        { "expression in shape", NpyBytes.File(NpyBytes.Dict("<f4", "(2*3,)"), SixFloats), "bad header dict" },
        { "shape not a tuple", NpyBytes.File(NpyBytes.Dict("<f4", "(6)"), SixFloats), "a one-element shape is written (6,)" },
        { "shape a list", NpyBytes.File(NpyBytes.Dict("<f4", "[6]"), SixFloats), "bad header dict" },
        { "negative dimension", NpyBytes.File(NpyBytes.Dict("<f4", "(-6,)"), SixFloats), "shape dimension 0 is -6" },
        { "huge dimension", NpyBytes.File(NpyBytes.Dict("<f4", "(99999999999,)"), SixFloats), "shape dimension 0 is 99999999999" },
        { "too many elements", NpyBytes.File(NpyBytes.Dict("<f4", "(100000, 100000, 100000)"), SixFloats), "more elements than one array can hold" },
        { "fortran_order a string", NpyBytes.File("{'descr': '<f4', 'fortran_order': 'no', 'shape': (6,), }", SixFloats), "'fortran_order' must be True or False" },
        { "fortran_order an unknown name", NpyBytes.File("{'descr': '<f4', 'fortran_order': false, 'shape': (6,), }", SixFloats), "unexpected name 'false'" },
        { "fortran order", NpyBytes.File(NpyBytes.Dict("<f4", "(2, 3)", fortranOrder: true), SixFloats), "fortran_order is True" },
        { "big-endian f4", NpyBytes.File(NpyBytes.Dict(">f4", "(6,)"), SixFloats), "big-endian dtype '>f4'" },
        { "big-endian f8", NpyBytes.File(NpyBytes.Dict(">f8", "(3,)"), SixFloats), "big-endian dtype '>f8'" },
        { "int32", NpyBytes.File(NpyBytes.Dict("<i4", "(6,)"), SixFloats), "unsupported dtype '<i4'" },
        { "uint8", NpyBytes.File(NpyBytes.Dict("|u1", "(24,)"), SixFloats), "unsupported dtype '|u1'" },
        { "complex64", NpyBytes.File(NpyBytes.Dict("<c8", "(3,)"), SixFloats), "unsupported dtype '<c8'" },
        { "descr not a string", NpyBytes.File("{'descr': (4,), 'fortran_order': False, 'shape': (6,), }", SixFloats), "unsupported dtype" },
        { "structured descr", NpyBytes.File("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (6,), }", SixFloats), "bad header dict" },
        { "data too short", NpyBytes.File(NpyBytes.Dict("<f4", "(2, 3)"), SixFloats[..20]), "data is truncated: shape (2, 3) of 4-byte floats needs 24 bytes, the file has 20" },
        { "data too long", NpyBytes.File(NpyBytes.Dict("<f4", "(5,)"), SixFloats), "longer than its shape" },
        { "f8 data too short", NpyBytes.File(NpyBytes.Dict("<f8", "(6,)"), SixFloats), "needs 48 bytes, the file has 24" },
        { "v3 header not UTF-8", NpyBytes.RawBytes(3, 0, [(byte)'{', 0xFF, 0xFE, (byte)'\n'], SixFloats), "UTF-8" },
        { "newline inside header", NpyBytes.File("{'descr': '<f4',\n'fortran_order': False, 'shape': (6,), 'bad\nkey': 1}", SixFloats), "bad header dict" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_file_is_rejected_with_one_line_naming_the_file(string what, byte[] file, string expected)
    {
        NpyFormatException exception = Assert.Throws<NpyFormatException>(() => NpyReader.Parse(file, "dir/bad.npy"));

        Assert.StartsWith("dir/bad.npy: ", exception.Message, StringComparison.Ordinal);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', exception.Message);
        Assert.DoesNotContain('\r', exception.Message);
        Assert.Equal("dir/bad.npy", exception.FileName);
        _ = what; // only names the case in test listings
    }

    [Fact]
    public void Reading_a_file_names_it_by_the_path_given()
    {
        using var directory = new TempDirectory();
        string path = directory.File("wrong.npy");
        File.WriteAllBytes(path, NpyBytes.File(NpyBytes.Dict("<i4", "(6,)"), SixFloats));

        NpyFormatException exception = Assert.Throws<NpyFormatException>(() => NpyReader.Read(path));

        Assert.Equal($"{path}: unsupported dtype '<i4'; supported: '<f4', '<f2', '<f8'", exception.Message);
    }
}
