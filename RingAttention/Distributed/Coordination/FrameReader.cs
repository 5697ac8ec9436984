using System.Buffers.Binary;
using System.Text;

namespace RingAttention.Distributed.Coordination;

/// <summary>Reads a frame body's fields in the order <see cref="FrameWriter"/> wrote them; a short or malformed body is an <see cref="InvalidDataException"/>.</summary>
internal ref struct FrameReader
{
    private ReadOnlySpan<byte> _rest;

    /// <summary>Reads <paramref name="body"/> from its start.</summary>
    public FrameReader(ReadOnlySpan<byte> body) => _rest = body;

    /// <summary>Reads a 16-bit unsigned integer.</summary>
    public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(sizeof(ushort)));

    /// <summary>Reads a 32-bit signed integer.</summary>
    public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(sizeof(int)));

    /// <summary>Reads a length-prefixed byte run.</summary>
    public ReadOnlySpan<byte> Bytes()
    {
        int length = Int32();
        if (length < 0)
        {
            throw new InvalidDataException(CoordinatorText.Format($"A coordinator frame declares a field of {length} bytes."));
        }

        return Take(length);
    }

    /// <summary>Reads a length-prefixed UTF-8 string.</summary>
    public string String()
    {
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(Bytes());
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("A coordinator frame holds a string that is not UTF-8.", e);
        }
    }

    /// <summary>Throws unless every byte was read: extra bytes mean the two sides disagree on the layout.</summary>
    public readonly void End()
    {
        if (!_rest.IsEmpty)
        {
            throw new InvalidDataException(CoordinatorText.Format($"A coordinator frame has {_rest.Length} bytes more than its fields."));
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _rest.Length)
        {
            throw new InvalidDataException(CoordinatorText.Format($"A coordinator frame ends {count - _rest.Length} bytes before its fields do."));
        }

        ReadOnlySpan<byte> taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }
}
