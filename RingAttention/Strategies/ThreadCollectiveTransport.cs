using System.Globalization;
using System.Numerics.Tensors;

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
        if ((uint)rank >= (uint)hub.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, string.Create(CultureInfo.InvariantCulture, $"rank must lie in [0, {hub.Size}), got {rank}."));
        }

        _hub = hub;
        Rank = rank;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size => _hub.Size;

    /// <inheritdoc />
    public void AllGather(Memory<float> send, Memory<float> receive)
    {
        int block = CheckBlocks(receive.Length, send.Length, nameof(AllGather));
        _hub.Exchange(Rank, send, nameof(AllGather), all =>
        {
            for (int r = 0; r < Size; r++)
            {
                all[r].Span.CopyTo(receive.Span.Slice(r * block, block));
            }
        });
    }

    /// <inheritdoc />
    public void ReduceScatterSum(Memory<float> send, Memory<float> receive)
    {
        int block = CheckBlocks(send.Length, receive.Length, nameof(ReduceScatterSum));
        _hub.Exchange(Rank, send, nameof(ReduceScatterSum), all =>
        {
            Span<float> sum = receive.Span;
            sum.Clear();
            for (int r = 0; r < Size; r++)
            {
                TensorPrimitives.Add(sum, all[r].Span.Slice(Rank * block, block), sum);
            }
        });
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
        _hub.Exchange(Rank, send, nameof(AllToAll), all =>
        {
            for (int r = 0; r < Size; r++)
            {
                all[r].Span.Slice(Rank * block, block).CopyTo(receive.Span.Slice(r * block, block));
            }
        });
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
