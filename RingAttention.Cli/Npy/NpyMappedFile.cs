using System.Buffers.Binary;
using System.Globalization;
using System.IO.MemoryMappedFiles;

namespace RingAttention.Cli.Npy;

/// <summary>
/// A .npy file opened for reading through a memory mapping: the header is read and checked at once, and the data is
/// only touched as it is copied out, whole (<see cref="ReadAll"/>) or one rank's shard (<see cref="CopyShard"/>).
/// Files of any size are read this way, past 2 GiB too, without ever holding the file's bytes in one array.
/// </summary>
internal sealed unsafe class NpyMappedFile : IDisposable
{
    /// <summary>Elements decoded (and checked) at a time: small enough to stay in cache for the finiteness scan.</summary>
    private const int ChunkElements = 1 << 16;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataOffset;
    private readonly int _itemSize;
    private readonly byte* _base;

    private NpyMappedFile(string name, NpyHeader header, long dataOffset, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Name = name;
        Header = header;
        _dataOffset = dataOffset;
        _itemSize = NpyDataTypes.ItemSize(header.DataType);
        _map = map;
        _view = view;
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    /// <summary>How the file is named in messages (option and path).</summary>
    public string Name { get; }

    /// <summary>The file's header: data type and shape.</summary>
    public NpyHeader Header { get; }

    /// <summary>The shape as numpy prints it, e.g. "(1, 4096, 16, 64)".</summary>
    public string ShapeText => NpyArray.FormatShape(Header.Shape);

    /// <summary>Opens <paramref name="path"/>; throws <see cref="NpyFormatException"/> (naming <paramref name="name"/>) for anything a full read would reject.</summary>
    public static NpyMappedFile Open(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        long length = new FileInfo(path).Length;
        byte[] preamble = ReadPrefix(path, (int)Math.Min(length, 1 << 20));
        (string headerText, int dataOffset) = NpyReader.ReadPreamble(preamble, name);
        NpyHeader header = NpyHeaderParser.Parse(headerText, name);
        NpyReader.ThrowIfUnreadable(header, length - dataOffset, name);

        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        try
        {
            MemoryMappedViewAccessor view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new NpyMappedFile(name, header, dataOffset, map, view);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The whole array as float32, decoded chunk by chunk from the mapping; with <paramref name="checkFinite"/> each
    /// chunk is scanned while still in cache, so a NaN or Inf is found without a second pass over the file.
    /// </summary>
    /// <exception cref="NonFiniteValueException">With <paramref name="checkFinite"/>: an element is NaN or infinite as float32.</exception>
    public float[] ReadAll(bool checkFinite)
    {
        // Open refused shapes of more than Array.MaxLength elements.
        var values = new float[NpyArray.ElementCountOf(Header.Shape)];
        for (int start = 0; start < values.Length; start += ChunkElements)
        {
            Span<float> chunk = values.AsSpan(start, Math.Min(ChunkElements, values.Length - start));
            DecodeAt(start, chunk, checkFinite);
        }

        return values;
    }

    /// <summary>
    /// Copies rank <paramref name="rank"/>'s shard, as <see cref="SequenceReorder.CopyShard"/> would from the whole
    /// tensor laid out as <paramref name="fullAxis"/>, converting the elements to float32 and, with
    /// <paramref name="checkFinite"/>, refusing a NaN or Inf among them.
    /// </summary>
    public void CopyShard(SequenceAxis fullAxis, LoadBalancing balance, int ringSize, int rank, Span<float> shard, bool checkFinite)
    {
        int local = fullAxis.Length / ringSize;
        var rows = new int[local];
        for (int j = 0; j < local; j++)
        {
            rows[j] = SequenceReorder.OriginalPosition(balance, ringSize, fullAxis.Length, (rank * local) + j);
        }

        CopyShardRows(fullAxis, rows, shard, checkFinite);
    }

    /// <summary>
    /// Copies the rows <paramref name="rows"/> of the whole tensor laid out as <paramref name="fullAxis"/> into a shard
    /// of rows.Length rows (row j from full row rows[j], zeros where rows[j] is -1: a packed document's padding, as
    /// <see cref="PackedReorder.ShardRows"/> gives them), converting to float32 and, with <paramref name="checkFinite"/>,
    /// refusing a NaN or Inf among them.
    /// </summary>
    public void CopyShardRows(SequenceAxis fullAxis, ReadOnlySpan<int> rows, Span<float> shard, bool checkFinite)
    {
        int local = rows.Length;
        if (fullAxis.ElementCount != NpyArray.ElementCountOf(Header.Shape) || shard.Length != (long)fullAxis.Outer * local * fullAxis.Inner)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Name}: shard of {shard.Length} elements does not fit {local} rows of {fullAxis}."), nameof(shard));
        }

        for (int o = 0; o < fullAxis.Outer; o++)
        {
            for (int j = 0; j < local; j++)
            {
                Span<float> destination = shard.Slice(((o * local) + j) * fullAxis.Inner, fullAxis.Inner);
                if (rows[j] < 0)
                {
                    destination.Clear();
                    continue;
                }

                long source = ((long)o * fullAxis.Length) + rows[j];
                DecodeAt(source * fullAxis.Inner, destination, checkFinite);
            }
        }
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    /// <summary>Decodes the elements from flat index <paramref name="first"/> on into <paramref name="values"/>.</summary>
    private void DecodeAt(long first, Span<float> values, bool checkFinite)
    {
        var bytes = new ReadOnlySpan<byte>(_base + _dataOffset + (first * _itemSize), values.Length * _itemSize);
        NpyReader.Decode(bytes, Header.DataType, values);
        if (checkFinite && FiniteScan.IndexOfNonFinite(values) is int bad and >= 0)
        {
            long index = first + bad;
            throw new NonFiniteValueException(Name, FiniteScan.MultiIndex(Header.Shape, index), values[bad], StoredValue(index));
        }
    }

    /// <summary>The element as the file stores it, for saying when a finite double or half became infinite as float32.</summary>
    private double StoredValue(long index)
    {
        var bytes = new ReadOnlySpan<byte>(_base + _dataOffset + (index * _itemSize), _itemSize);
        return Header.DataType switch
        {
            NpyDataType.Float64 => BinaryPrimitives.ReadDoubleLittleEndian(bytes),
            NpyDataType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(bytes),
            _ => BinaryPrimitives.ReadSingleLittleEndian(bytes),
        };
    }

    private static byte[] ReadPrefix(string path, int bytes)
    {
        using FileStream stream = File.OpenRead(path);
        byte[] prefix = new byte[bytes];
        stream.ReadExactly(prefix);
        return prefix;
    }
}
