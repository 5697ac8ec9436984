using System.Globalization;
using RingAttention.Backends;
using RingAttention.Threading;

namespace RingAttention.Cpu;

/// <summary>
/// One rank's side of the in-process ring: real concurrent threads exchanging float buffers through a
/// <see cref="ThreadRingHub"/>. The copy happens on the receiving thread, so N ranks copy in parallel.
/// </summary>
internal sealed class ThreadRingTransport : IRingTransport<Memory<float>>
{
    private readonly ThreadRingHub _hub;
    private readonly Memory<float>[] _pendingReceive = new Memory<float>[Enum.GetValues<RingChannel>().Length];

    /// <summary>Rank <paramref name="rank"/> of the ring that <paramref name="hub"/> connects.</summary>
    public ThreadRingTransport(ThreadRingHub hub, int rank)
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
    public void Start(RingChannel channel, RingDirection direction, Memory<float> send, Memory<float> receive)
    {
        _pendingReceive[(int)channel] = receive;
        _hub.Post(Rank, RingNeighbours.Target(Rank, Size, direction), channel, send);
    }

    /// <inheritdoc />
    public void Wait(RingChannel channel)
    {
        Memory<float> incoming = _hub.Take(Rank, channel, out int source);
        Memory<float> receive = _pendingReceive[(int)channel];
        if (incoming.Length != receive.Length)
        {
            _hub.Fail();
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Rank {Rank} received {incoming.Length} elements from rank {source} on {channel} but its buffer holds {receive.Length}."));
        }

        incoming.Span.CopyTo(receive.Span);
        _pendingReceive[(int)channel] = default;
        _hub.Acknowledge(source, channel, true);

        // Our own send must be taken too before the caller may touch that buffer again.
        _hub.AwaitReceipt(Rank, channel);
    }
}
