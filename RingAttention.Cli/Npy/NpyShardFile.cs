using System.Globalization;
using System.IO.MemoryMappedFiles;

namespace RingAttention.Cli.Npy;

/// <summary>
/// A .npy file opened for reading one rank's shard of it: the header is read and checked at once, the data is mapped
/// into memory and only the rows a shard needs are touched, so a rank of a distributed run reads 1/N of every input
/// and files of any size (past 2 GiB too) are read without loading them whole.
/// </summary>
internal sealed unsafe class NpyShardFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataOffset;
    private readonly int _itemSize;
    private readonly byte* _base;

    private NpyShardFile(string name, NpyHeader header, long dataOffset, MemoryMappedFile map, MemoryMappedViewAccessor view)
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

    /// <summary>The shape as text, e.g. "[1, 4096, 16, 64]".</summary>
    public string ShapeText => NpyArray.FormatShape(Header.Shape);

    /// <summary>Opens <paramref name="path"/>; throws <see cref="NpyFormatException"/> (naming <paramref name="name"/>) for anything a full read would reject.</summary>
    public static NpyShardFile Open(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        long length = new FileInfo(path).Length;
        byte[] preamble = ReadPrefix(path, (int)Math.Min(length, 1 << 20));
        (string headerText, int dataOffset) = NpyReader.ReadPreamble(preamble, name);
        NpyHeader header = NpyHeaderParser.Parse(headerText, name);
        if (header.FortranOrder)
        {
            throw new NpyFormatException(name, "fortran_order is True (column-major data) which is not supported; save a C-order array (np.ascontiguousarray)");
        }

        long expected = NpyArray.ElementCountOf(header.Shape) * NpyDataTypes.ItemSize(header.DataType);
        long actual = length - dataOffset;
        if (actual != expected)
        {
            throw new NpyFormatException(name, string.Create(
                CultureInfo.InvariantCulture,
                $"data is {(actual < expected ? "truncated" : "longer than its shape")}: shape {NpyArray.FormatShape(header.Shape)} of {NpyDataTypes.ItemSize(header.DataType)}-byte floats needs {expected} bytes, the file has {actual}"));
        }

        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        try
        {
            MemoryMappedViewAccessor view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new NpyShardFile(name, header, dataOffset, map, view);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies rank <paramref name="rank"/>'s shard, as <see cref="SequenceReorder.CopyShard"/> would from the whole
    /// tensor laid out as <paramref name="fullAxis"/>, converting the elements to float32.
    /// </summary>
    public void CopyShard(SequenceAxis fullAxis, LoadBalancing balance, int ringSize, int rank, Span<float> shard)
    {
        int local = fullAxis.Length / ringSize;
        if (fullAxis.ElementCount != NpyArray.ElementCountOf(Header.Shape) || shard.Length != (long)fullAxis.Outer * local * fullAxis.Inner)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Name}: shard of {shard.Length} elements does not fit {fullAxis} over {ringSize} ranks."), nameof(shard));
        }

        int rowBytes = fullAxis.Inner * _itemSize;
        for (int o = 0; o < fullAxis.Outer; o++)
        {
            for (int j = 0; j < local; j++)
            {
                long source = ((long)o * fullAxis.Length) + SequenceReorder.OriginalPosition(balance, ringSize, fullAxis.Length, (rank * local) + j);
                var row = new ReadOnlySpan<byte>(_base + _dataOffset + (source * rowBytes), rowBytes);
                NpyReader.Decode(row, Header.DataType, shard.Slice(((o * local) + j) * fullAxis.Inner, fullAxis.Inner));
            }
        }
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private static byte[] ReadPrefix(string path, int bytes)
    {
        using FileStream stream = File.OpenRead(path);
        byte[] prefix = new byte[bytes];
        stream.ReadExactly(prefix);
        return prefix;
    }
}
