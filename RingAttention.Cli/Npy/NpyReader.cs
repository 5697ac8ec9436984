using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using static System.FormattableString;

namespace RingAttention.Cli.Npy;

/// <summary>
/// Reads numpy .npy files (format versions 1.0, 2.0 and 3.0) holding little-endian C-order '&lt;f4', '&lt;f2' or
/// '&lt;f8' data, converting the elements to float32. Anything else, including files whose data does not exactly
/// fill the shape, is rejected with an <see cref="NpyFormatException"/> rather than read approximately.
/// </summary>
internal static class NpyReader
{
    /// <summary>The six bytes every .npy file starts with.</summary>
    internal static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the file at <paramref name="path"/> through a memory mapping (any size); the error messages name it as given.</summary>
    /// <exception cref="NpyFormatException">The file is not a .npy file this reader supports.</exception>
    public static NpyArray Read(string path)
    {
        using NpyMappedFile file = NpyMappedFile.Open(path, path);
        return new NpyArray(file.Header.Shape, file.ReadAll(checkFinite: false));
    }

    /// <summary>Parses the complete contents of a .npy file.</summary>
    /// <exception cref="NpyFormatException">The bytes are not a .npy file this reader supports.</exception>
    public static NpyArray Parse(ReadOnlySpan<byte> bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        (string headerText, int dataOffset) = ReadPreamble(bytes, name);
        NpyHeader header = NpyHeaderParser.Parse(headerText, name);
        ThrowIfUnreadable(header, bytes.Length - dataOffset, name);
        long count = NpyArray.ElementCountOf(header.Shape);
        var values = new float[count];
        Decode(bytes[dataOffset..], header.DataType, values);
        return new NpyArray(header.Shape, values);
    }

    /// <summary>
    /// Refuses what no reader here reads: column-major data, and data that does not exactly fill the shape
    /// (<paramref name="dataLength"/> bytes follow the header).
    /// </summary>
    internal static void ThrowIfUnreadable(NpyHeader header, long dataLength, string name)
    {
        if (header.FortranOrder)
        {
            throw new NpyFormatException(name, "fortran_order is True (column-major data) which is not supported; save a C-order array (np.ascontiguousarray)");
        }

        long count = NpyArray.ElementCountOf(header.Shape);
        string shapeText = NpyArray.FormatShape(header.Shape);
        if (count > Array.MaxLength)
        {
            throw new NpyFormatException(name, $"shape {shapeText} has more elements than one array can hold");
        }

        int itemSize = NpyDataTypes.ItemSize(header.DataType);
        long expected = count * itemSize;
        if (dataLength != expected)
        {
            string problem = dataLength < expected
                ? Invariant($"data is truncated: shape {shapeText} of {itemSize}-byte floats needs {expected} bytes, the file has {dataLength}")
                : Invariant($"data is longer than its shape: shape {shapeText} of {itemSize}-byte floats needs {expected} bytes, the file has {dataLength}");
            throw new NpyFormatException(name, problem);
        }
    }

    /// <summary>Checks magic, version and header length; returns the header text and where the data starts.</summary>
    internal static (string HeaderText, int DataOffset) ReadPreamble(ReadOnlySpan<byte> bytes, string name)
    {
        ReadOnlySpan<byte> magic = Magic;
        if (bytes.IsEmpty)
        {
            throw new NpyFormatException(name, "the file is empty, not a .npy file");
        }

        int compared = Math.Min(bytes.Length, magic.Length);
        if (!bytes[..compared].SequenceEqual(magic[..compared]))
        {
            throw new NpyFormatException(name, "not a .npy file (it does not start with the bytes \\x93NUMPY)");
        }

        if (bytes.Length < magic.Length + 2)
        {
            throw new NpyFormatException(name, Invariant($"truncated: the file ends after {bytes.Length} bytes, inside the .npy preamble"));
        }

        byte major = bytes[magic.Length];
        byte minor = bytes[magic.Length + 1];
        int lengthFieldSize = (major, minor) switch
        {
            (1, 0) => 2,
            (2, 0) or (3, 0) => 4,
            _ => throw new NpyFormatException(name, Invariant($"unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)")),
        };

        int headerStart = magic.Length + 2 + lengthFieldSize;
        if (bytes.Length < headerStart)
        {
            throw new NpyFormatException(name, Invariant($"truncated: the file ends after {bytes.Length} bytes, inside the .npy preamble"));
        }

        ReadOnlySpan<byte> lengthField = bytes[(magic.Length + 2)..headerStart];
        long headerLength = lengthFieldSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField)
            : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > bytes.Length - headerStart)
        {
            throw new NpyFormatException(name, Invariant($"truncated header: it declares {headerLength} bytes but only {bytes.Length - headerStart} follow"));
        }

        ReadOnlySpan<byte> headerBytes = bytes.Slice(headerStart, (int)headerLength);
        string headerText;
        try
        {
            // Versions 1 and 2 store the header in latin-1; version 3 exists only to allow UTF-8.
            headerText = major == 3 ? StrictUtf8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        }
        catch (DecoderFallbackException exception)
        {
            throw new NpyFormatException(name, "the version 3.0 header is not valid UTF-8", exception);
        }

        if (headerText.Length == 0 || headerText[^1] != '\n')
        {
            throw new NpyFormatException(name, "bad header: it does not end with a newline");
        }

        return (headerText, headerStart + (int)headerLength);
    }

    /// <summary>Converts little-endian elements of <paramref name="type"/> in <paramref name="data"/> to float32.</summary>
    internal static void Decode(ReadOnlySpan<byte> data, NpyDataType type, Span<float> values)
    {
        switch (type)
        {
            case NpyDataType.Float32 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(data[..(4 * values.Length)]).CopyTo(values);
                break;
            case NpyDataType.Float32:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(4 * i)..]);
                }

                break;
            case NpyDataType.Float16:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(2 * i)..]);
                }

                break;
            case NpyDataType.Float64:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]);
                }

                break;
            default:
                throw new InvalidOperationException($"Data type {type} has no reader.");
        }
    }
}
