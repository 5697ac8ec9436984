using System.Globalization;
using RingAttention.Backends;

namespace RingAttention.Cpu;

/// <summary>
/// One rank's side of the in-process ring: real concurrent threads exchanging float buffers through a
/// <see cref="ThreadRingHub"/>. The copy happens on the receiving thread, so N ranks copy in parallel.
/// </summary>
public sealed class ThreadRingTransport : IRingTransport<Memory<float>>
{
    private readonly ThreadRingHub _hub;
    private readonly Memory<float>[] _pendingReceive = new Memory<float>[Enum.GetValues<RingChannel>().Length];

    /// <summary>Rank <paramref name="rank"/> of the ring that <paramref name="hub"/> connects.</summary>
    public ThreadRingTransport(ThreadRingHub hub, int rank)
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
    public void Start(RingChannel channel, RingDirection direction, Memory<float> send, Memory<float> receive)
    {
        int target = direction == RingDirection.Forward ? (Rank + 1) % Size : (Rank - 1 + Size) % Size;
        _pendingReceive[(int)channel] = receive;
        ThreadRingHub.Mailbox inbox = _hub.MailboxOf(target, channel);
        inbox.Incoming = send;
        inbox.IncomingFrom = Rank;
        inbox.Arrived.Release();
    }

    /// <inheritdoc />
    public void Wait(RingChannel channel)
    {
        ThreadRingHub.Mailbox mine = _hub.MailboxOf(Rank, channel);
        WaitFor(mine.Arrived, channel, "the incoming buffer");

        Memory<float> receive = _pendingReceive[(int)channel];
        Memory<float> incoming = mine.Incoming;
        int source = mine.IncomingFrom;
        if (incoming.Length != receive.Length)
        {
            _hub.Fail();
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Rank {Rank} received {incoming.Length} elements from rank {source} on {channel} but its buffer holds {receive.Length}."));
        }

        incoming.Span.CopyTo(receive.Span);
        mine.Incoming = default;
        _pendingReceive[(int)channel] = default;
        _hub.MailboxOf(source, channel).SendConsumed.Release();

        // Our own send must be consumed too before the caller may touch that buffer again.
        WaitFor(mine.SendConsumed, channel, "the receiver to take this rank's buffer");
    }

    private void WaitFor(SemaphoreSlim signal, RingChannel channel, string what)
    {
        bool signalled;
        try
        {
            signalled = signal.Wait(_hub.Timeout, _hub.FailureToken);
        }
        catch (OperationCanceledException)
        {
            throw new RingAbortedException(string.Create(CultureInfo.InvariantCulture,
                $"Rank {Rank} stopped waiting for {what} on {channel}: another rank failed."));
        }

        if (!signalled)
        {
            _hub.Fail();
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"Rank {Rank} waited {_hub.Timeout.TotalSeconds:0.###} s for {what} on {channel}; the ring is stuck."));
        }
    }
}
