using System.Globalization;
using System.Numerics.Tensors;
using RingAttention.Threading;

namespace RingAttention.Strategies;

/// <summary>
/// One member's side of the CPU collectives over a <see cref="ThreadCollectiveHub"/>: each member copies (or sums)
/// its own share out of the others' posted buffers, so the N members work in parallel.
/// </summary>
internal sealed class ThreadCollectiveTransport : ICollectiveTransport<Memory<float>>
{
    private readonly ThreadCollectiveHub _hub;

    /// <summary>Member <paramref name="rank"/> of the group that <paramref name="hub"/> connects.</summary>
    public ThreadCollectiveTransport(ThreadCollectiveHub hub, int rank)
    {
        ArgumentNullException.ThrowIfNull(hub);
        _hub = hub;
        Rank = RankMember.Check(rank, hub.Size);
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size => _hub.Size;

    /// <inheritdoc />
    public void AllGather(Memory<float> send, Memory<float> receive)
    {
        int block = CheckBlocks(receive.Length, send.Length, nameof(AllGather));
        ReadOnlySpan<Memory<float>> all = _hub.Arrive(Rank, send, nameof(AllGather));
        for (int r = 0; r < Size; r++)
        {
            all[r].Span.CopyTo(receive.Span.Slice(r * block, block));
        }

        _hub.Leave(Rank, nameof(AllGather));
    }

    /// <inheritdoc />
    public void ReduceScatterSum(Memory<float> send, Memory<float> receive)
    {
        int block = CheckBlocks(send.Length, receive.Length, nameof(ReduceScatterSum));
        ReadOnlySpan<Memory<float>> all = _hub.Arrive(Rank, send, nameof(ReduceScatterSum));
        Span<float> sum = receive.Span;
        sum.Clear();
        for (int r = 0; r < Size; r++)
        {
            TensorPrimitives.Add(sum, all[r].Span.Slice(Rank * block, block), sum);
        }

        _hub.Leave(Rank, nameof(ReduceScatterSum));
    }

    /// <inheritdoc />
    public void AllToAll(Memory<float> send, Memory<float> receive)
    {
        if (send.Length != receive.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"AllToAll needs equal send and receive sizes, got {send.Length} and {receive.Length}."), nameof(receive));
        }

        int block = CheckBlocks(send.Length, send.Length / Size, nameof(AllToAll));
        ReadOnlySpan<Memory<float>> all = _hub.Arrive(Rank, send, nameof(AllToAll));
        for (int r = 0; r < Size; r++)
        {
            all[r].Span.Slice(Rank * block, block).CopyTo(receive.Span.Slice(r * block, block));
        }

        _hub.Leave(Rank, nameof(AllToAll));
    }

    private int CheckBlocks(int whole, int block, string operation)
    {
        if ((long)block * Size != whole)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{operation} over {Size} members needs the whole buffer ({whole}) to be {Size} blocks of {block}."));
        }

        return block;
    }
}
