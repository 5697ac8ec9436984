using System.Globalization;
using RingAttention.Backends;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// One virtual rank's side of a ring of N ranks on one GPU (NCCL cannot put two ranks on one device). Each rank has
/// its own compute stream and one communication stream per channel. An exchange is a device-to-device copy issued by
/// the receiver, ordered by events only, never by a device-wide synchronize:
/// <list type="number">
/// <item>Start records "ready" on the compute stream (the send buffer is written and the receive buffer no longer read).</item>
/// <item>The receiver's communication stream waits for the sender's "ready" and its own, copies, and records "copied".</item>
/// <item>The receiver's compute stream waits for "copied" before it reads the buffer.</item>
/// <item>The sender's compute stream waits for the receiver's "copied" before it overwrites its send buffer.</item>
/// </list>
/// </summary>
internal sealed class VirtualRankTransport : IRingTransport<DeviceTensor>, IDisposable
{
    private const int ChannelCount = 2;

    private readonly VirtualRankHub _hub;
    private readonly SafeCudaStreamHandle _compute;
    private readonly SafeCudaStreamHandle[] _comm = new SafeCudaStreamHandle[ChannelCount];
    private readonly SafeCudaEventHandle[] _ready = new SafeCudaEventHandle[ChannelCount];
    private readonly SafeCudaEventHandle[] _copied = new SafeCudaEventHandle[ChannelCount];
    private readonly DeviceTensor[] _pendingReceive = new DeviceTensor[ChannelCount];
    private readonly RankTimelineRecorder? _timeline;

    public VirtualRankTransport(VirtualRankHub hub, int rank, SafeCudaStreamHandle computeStream, RankTimelineRecorder? timeline)
    {
        ArgumentNullException.ThrowIfNull(hub);
        if ((uint)rank >= (uint)hub.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, string.Create(CultureInfo.InvariantCulture, $"rank must lie in [0, {hub.Size}), got {rank}."));
        }

        _hub = hub;
        Rank = rank;
        _compute = computeStream;
        _timeline = timeline;
        for (int c = 0; c < ChannelCount; c++)
        {
            _comm[c] = CudaCalls.CreateStream();
            _ready[c] = CudaCalls.CreateEvent();
            _copied[c] = CudaCalls.CreateEvent();
        }
    }

    public int Rank { get; }

    public int Size => _hub.Size;

    public void Start(RingChannel channel, RingDirection direction, DeviceTensor send, DeviceTensor receive)
    {
        int c = (int)channel;
        int target = direction == RingDirection.Forward ? (Rank + 1) % Size : (Rank - 1 + Size) % Size;

        // Everything this rank enqueued so far (writes of send, reads of receive) happens before the copies.
        CudaCalls.Record(_ready[c], _compute);
        _pendingReceive[c] = receive;

        VirtualRankHub.Mailbox inbox = _hub.MailboxOf(target, channel);
        inbox.IncomingPointer = send.Pointer;
        inbox.IncomingBytes = send.Bytes;
        inbox.IncomingReady = _ready[c];
        inbox.IncomingFrom = Rank;
        inbox.Arrived.Release();
    }

    public void Wait(RingChannel channel)
    {
        int c = (int)channel;
        VirtualRankHub.Mailbox mine = _hub.MailboxOf(Rank, channel);
        WaitFor(mine.Arrived, channel, "the incoming buffer");

        DeviceTensor receive = _pendingReceive[c];
        int source = mine.IncomingFrom;
        if (mine.IncomingBytes != receive.Bytes || mine.IncomingReady is null)
        {
            _hub.Fail();
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Rank {Rank} received {mine.IncomingBytes} bytes from rank {source} on {channel} but its buffer holds {receive.Bytes}."));
        }

        SafeCudaStreamHandle comm = _comm[c];
        CudaCalls.Wait(comm, mine.IncomingReady); // the sender's buffer is complete
        CudaCalls.Wait(comm, _ready[c]);          // this rank no longer reads its receive buffer
        int slot = _timeline?.BeginTransfer(channel, comm) ?? -1;
        CudaCalls.CopyDeviceToDevice(receive.Pointer, mine.IncomingPointer, receive.Bytes, comm);
        _timeline?.EndTransfer(slot, comm);
        CudaCalls.Record(_copied[c], comm);
        CudaCalls.Wait(_compute, _copied[c]);     // the block is here before this rank computes on it

        mine.IncomingPointer = 0;
        mine.IncomingReady = null;
        _pendingReceive[c] = default;
        VirtualRankHub.Mailbox sender = _hub.MailboxOf(source, channel);
        sender.Consumed = _copied[c];
        sender.SendConsumed.Release();

        // Our own send must have been copied before this rank may overwrite that buffer.
        WaitFor(mine.SendConsumed, channel, "the receiver to take this rank's buffer");
        SafeCudaEventHandle? consumed = mine.Consumed;
        if (consumed is not null)
        {
            CudaCalls.Wait(_compute, consumed);
        }

        mine.Consumed = null;
    }

    public void Dispose()
    {
        for (int c = 0; c < ChannelCount; c++)
        {
            _comm[c].Dispose();
            _ready[c].Dispose();
            _copied[c].Dispose();
        }
    }

    private void WaitFor(SemaphoreSlim signal, RingChannel channel, string what)
    {
        bool signalled;
        try
        {
            signalled = signal.Wait(_hub.ExchangeTimeout, _hub.FailureToken);
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
                $"Rank {Rank} waited {_hub.ExchangeTimeout.TotalSeconds:0.###} s for {what} on {channel}; the ring is stuck."));
        }
    }
}
