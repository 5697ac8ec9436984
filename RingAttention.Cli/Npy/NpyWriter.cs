using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace RingAttention.Cli.Npy;

/// <summary>
/// Writes float32 arrays as .npy files byte-for-byte like numpy 2.x's np.save: format 1.0, '&lt;f4', C order, and
/// a header padded with spaces so that the data starts at a multiple of 64 bytes.
/// </summary>
internal static class NpyWriter
{
    /// <summary>numpy aligns the data to this many bytes so it can be memory-mapped efficiently.</summary>
    private const int DataAlignment = 64;

    /// <summary>
    /// numpy leaves room for the first axis to grow to this many digits, so a file can be appended to and its header
    /// rewritten in place; matching it keeps our files identical to numpy's.
    /// </summary>
    private const int GrowthAxisMaxDigits = 21;

    /// <summary>Elements written at a time: the data is streamed, never copied into one byte[] (which could not hold 2 GiB).</summary>
    private const int ChunkElements = 1 << 18;

    /// <summary>Creates (or overwrites) <paramref name="path"/> with <paramref name="array"/>, streaming header then data.</summary>
    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(path);

        // The chunks are large already; a FileStream buffer would only add a copy of each.
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        Write(stream, array);
    }

    /// <summary>Writes <paramref name="array"/> as a complete .npy file to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        stream.Write(CreatePreamble(array.Shape));
        byte[]? swapped = BitConverter.IsLittleEndian ? null : new byte[4 * ChunkElements];
        for (int start = 0; start < array.Data.Length; start += ChunkElements)
        {
            ReadOnlySpan<float> chunk = array.Data.AsSpan(start, Math.Min(ChunkElements, array.Data.Length - start));
            if (swapped is null)
            {
                stream.Write(MemoryMarshal.AsBytes(chunk));
                continue;
            }

            for (int i = 0; i < chunk.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(swapped.AsSpan(4 * i), chunk[i]);
            }

            stream.Write(swapped, 0, 4 * chunk.Length);
        }
    }

    /// <summary>Magic, version, header length and the padded header dict: everything before the data.</summary>
    internal static byte[] CreatePreamble(IReadOnlyList<int> shape)
    {
        string dict = $"{{'descr': '{NpyDataTypes.Float32Descr}', 'fortran_order': False, 'shape': {NpyArray.FormatShape(shape)}, }}";
        if (shape.Count > 0)
        {
            dict += new string(' ', Math.Max(0, GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length));
        }

        // Format 1.0 stores the header length in 2 bytes; numpy falls back to 2.0 (4 bytes) only when that overflows.
        const int version1PrefixLength = 10;
        byte[] preamble = Wrap(dict, version: 1, lengthFieldSize: 2);
        return preamble.Length - version1PrefixLength <= ushort.MaxValue ? preamble : Wrap(dict, version: 2, lengthFieldSize: 4);
    }

    private static byte[] Wrap(string dict, byte version, int lengthFieldSize)
    {
        ReadOnlySpan<byte> magic = NpyReader.Magic;
        int prefixLength = magic.Length + 2 + lengthFieldSize;

        // As numpy computes it: the newline counts, and an already aligned header still gets a full block of spaces.
        int padding = DataAlignment - ((prefixLength + dict.Length + 1) % DataAlignment);
        string header = dict + new string(' ', padding) + "\n";

        var bytes = new byte[prefixLength + header.Length];
        magic.CopyTo(bytes);
        bytes[magic.Length] = version;
        bytes[magic.Length + 1] = 0;
        Span<byte> lengthField = bytes.AsSpan(magic.Length + 2, lengthFieldSize);
        if (lengthFieldSize == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(lengthField, (ushort)header.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(lengthField, (uint)header.Length);
        }

        Encoding.Latin1.GetBytes(header, bytes.AsSpan(prefixLength));
        return bytes;
    }
}
