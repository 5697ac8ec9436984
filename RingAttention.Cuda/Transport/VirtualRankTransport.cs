using System.Globalization;
using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;
using RingAttention.Threading;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// One virtual rank's side of a ring of N ranks on one GPU (NCCL cannot put two ranks on one device). Each rank has
/// its own compute and accumulation streams and one communication stream per channel. An exchange is a
/// device-to-device copy issued by the receiver, ordered by events only, never by a device-wide synchronize:
/// <list type="number">
/// <item>Start records "ready" after everything the rank enqueued on either stream (the send buffer is written and the
/// receive buffer no longer read).</item>
/// <item>The receiver's communication stream waits for the sender's "ready" and its own, copies, and records "copied".</item>
/// <item>The receiver's consuming stream (<see cref="RankStreams.ConsumerOf"/>) waits for "copied" before it reads the buffer.</item>
/// <item>The sender's consuming stream waits for the receiver's "copied" before it overwrites its send buffer.</item>
/// </list>
/// </summary>
internal sealed class VirtualRankTransport : IRingTransport<DeviceTensor>, IDisposable
{
    private const int ChannelCount = 2;

    private readonly VirtualRankHub _hub;
    private readonly RankStreams _streams;
    private readonly SafeCudaStreamHandle[] _comm = new SafeCudaStreamHandle[ChannelCount];
    private readonly SafeCudaEventHandle[] _ready = new SafeCudaEventHandle[ChannelCount];
    private readonly SafeCudaEventHandle[] _copied = new SafeCudaEventHandle[ChannelCount];
    private readonly DeviceTensor[] _pendingReceive = new DeviceTensor[ChannelCount];
    private readonly RankTimelineRecorder? _timeline;

    public VirtualRankTransport(VirtualRankHub hub, int rank, RankStreams streams, RankTimelineRecorder? timeline)
    {
        ArgumentNullException.ThrowIfNull(hub);
        _hub = hub;
        Rank = RankMember.Check(rank, hub.Size);
        _streams = streams;
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

        // Everything this rank enqueued so far (writes of send, reads of receive) happens before the copies.
        _streams.RecordEverything(_ready[c]);
        _pendingReceive[c] = receive;
        _hub.Post(Rank, RingNeighbours.Target(Rank, Size, direction), channel, new VirtualRankParcel(send.Pointer, send.Bytes, _ready[c]));
    }

    public void Wait(RingChannel channel)
    {
        int c = (int)channel;
        VirtualRankParcel incoming = _hub.Take(Rank, channel, out int source);
        DeviceTensor receive = _pendingReceive[c];
        if (incoming.Bytes != receive.Bytes)
        {
            _hub.Fail();
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Rank {Rank} received {incoming.Bytes} bytes from rank {source} on {channel} but its buffer holds {receive.Bytes}."));
        }

        SafeCudaStreamHandle comm = _comm[c];
        CudaCalls.Wait(comm, incoming.Ready); // the sender's buffer is complete
        CudaCalls.Wait(comm, _ready[c]);      // this rank no longer reads its receive buffer
        int slot = _timeline?.BeginTransfer(channel, comm) ?? -1;
        CudaCalls.CopyDeviceToDevice(receive.Pointer, incoming.Pointer, receive.Bytes, comm);
        _timeline?.EndTransfer(slot, comm);
        CudaCalls.Record(_copied[c], comm);
        SafeCudaStreamHandle consumer = _streams.ConsumerOf(channel);
        CudaCalls.Wait(consumer, _copied[c]); // the block is here before this rank reads it
        _pendingReceive[c] = default;
        _hub.Acknowledge(source, channel, _copied[c]);

        // Our own send must have been copied before this rank may overwrite that buffer.
        SafeCudaEventHandle? copiedByReceiver = _hub.AwaitReceipt(Rank, channel);
        if (copiedByReceiver is not null)
        {
            CudaCalls.Wait(consumer, copiedByReceiver);
        }
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
}
