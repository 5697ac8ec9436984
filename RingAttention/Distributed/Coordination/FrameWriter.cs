using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace RingAttention.Distributed.Coordination;

/// <summary>Builds one frame: length, kind, then fields in order (little-endian integers, length-prefixed UTF-8 strings and byte runs).</summary>
internal sealed class FrameWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64);

    /// <summary>Starts a frame of <paramref name="kind"/>.</summary>
    public FrameWriter(FrameKind kind)
    {
        _buffer.Advance(sizeof(int)); // the length, filled in by ToArray
        _buffer.GetSpan(1)[0] = (byte)kind;
        _buffer.Advance(1);
    }

    /// <summary>Appends a 16-bit unsigned integer.</summary>
    public FrameWriter UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.GetSpan(sizeof(ushort)), value);
        _buffer.Advance(sizeof(ushort));
        return this;
    }

    /// <summary>Appends a 32-bit signed integer.</summary>
    public FrameWriter Int32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(sizeof(int)), value);
        _buffer.Advance(sizeof(int));
        return this;
    }

    /// <summary>Appends a byte run, prefixed by its 32-bit length.</summary>
    public FrameWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        Int32(bytes.Length);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>Appends a string as UTF-8, prefixed by its 32-bit byte length.</summary>
    public FrameWriter String(string text) => Bytes(Encoding.UTF8.GetBytes(text));

    /// <summary>The finished frame; throws if it outgrew <see cref="Frame.MaxLength"/>.</summary>
    public byte[] ToArray()
    {
        byte[] frame = _buffer.WrittenSpan.ToArray();
        int length = frame.Length - sizeof(int);
        if (length > Frame.MaxLength)
        {
            throw new InvalidOperationException(CoordinatorText.Format($"A coordinator frame of {length} bytes exceeds the protocol's limit of {Frame.MaxLength}."));
        }

        BinaryPrimitives.WriteInt32LittleEndian(frame, length);
        return frame;
    }
}
