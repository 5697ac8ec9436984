using System.Buffers.Binary;
using System.Text;

namespace RingAttention.Cli.Tests;

/// <summary>Builds .npy files byte by byte, independently of the writer under test, including broken ones.</summary>
internal static class NpyBytes
{
    public static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>A header dict in numpy's own spelling.</summary>
    public static string Dict(string descr, string shape, bool fortranOrder = false) =>
        $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {shape}, }}";

    /// <summary>A well-formed file: <paramref name="dict"/> padded to 64 bytes and ended by a newline, then <paramref name="data"/>.</summary>
    public static byte[] File(string dict, byte[] data, byte major = 1)
    {
        int prefix = major == 1 ? 10 : 12;
        int padding = (64 - ((prefix + dict.Length + 1) % 64)) % 64;
        return Raw(major, 0, dict + new string(' ', padding) + "\n", data);
    }

    /// <summary>Exactly these header characters (UTF-8 for version 3, latin-1 otherwise) with a correct length field.</summary>
    public static byte[] Raw(byte major, byte minor, string header, byte[] data)
    {
        byte[] headerBytes = major == 3 ? Encoding.UTF8.GetBytes(header) : Encoding.Latin1.GetBytes(header);
        return RawBytes(major, minor, headerBytes, data);
    }

    /// <summary>Exactly these header bytes with a correct length field.</summary>
    public static byte[] RawBytes(byte major, byte minor, byte[] headerBytes, byte[] data)
    {
        int lengthField = major == 1 ? 2 : 4;
        var bytes = new List<byte>(Magic) { major, minor };
        var length = new byte[lengthField];
        if (lengthField == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)headerBytes.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)headerBytes.Length);
        }

        bytes.AddRange(length);
        bytes.AddRange(headerBytes);
        bytes.AddRange(data);
        return [.. bytes];
    }

    public static byte[] Float32(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    public static byte[] Float64(params double[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        }

        return bytes;
    }

    /// <summary>Concatenation.</summary>
    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
