using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// One rank per GPU: each exchange is one NCCL send/recv group (ringattn_nccl_ring_exchange) on the rank's
/// communication stream. The communication stream first waits for an event recorded after everything the rank enqueued
/// on its compute and accumulation streams (the send buffer is written and the receive buffer no longer read);
/// <see cref="Wait"/> makes the stream that reads the channel (<see cref="RankStreams.ConsumerOf"/>) wait for an event
/// recorded after the group. Both channels share one communication stream, so every rank issues its NCCL
/// groups in the same order (the ring loop's order), which NCCL requires.
/// </summary>
internal sealed class NcclRingTransport : IRingTransport<DeviceTensor>, IDisposable
{
    private const int ChannelCount = 2;

    private readonly NcclCommunicator _communicator;
    private readonly RankStreams _streams;
    private readonly SafeCudaStreamHandle _comm;
    private readonly SafeCudaEventHandle _ready;
    private readonly SafeCudaEventHandle[] _done = new SafeCudaEventHandle[ChannelCount];
    private readonly RankTimelineRecorder? _timeline;

    public NcclRingTransport(NcclCommunicator communicator, RankStreams streams, RankTimelineRecorder? timeline)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        _communicator = communicator;
        _streams = streams;
        _timeline = timeline;
        _comm = CudaCalls.CreateStream();
        _ready = CudaCalls.CreateEvent();
        for (int c = 0; c < ChannelCount; c++)
        {
            _done[c] = CudaCalls.CreateEvent();
        }
    }

    public int Rank => _communicator.Rank;

    public int Size => _communicator.Size;

    public void Start(RingChannel channel, RingDirection direction, DeviceTensor send, DeviceTensor receive)
    {
        _streams.RecordEverything(_ready);
        CudaCalls.Wait(_comm, _ready);
        int slot = _timeline?.BeginTransfer(channel, _comm) ?? -1;
        _communicator.RingExchange(send.Pointer, receive.Pointer, send.Bytes, direction, _comm);
        _timeline?.EndTransfer(slot, _comm);
        CudaCalls.Record(_done[(int)channel], _comm);
    }

    public void Wait(RingChannel channel) => CudaCalls.Wait(_streams.ConsumerOf(channel), _done[(int)channel]);

    public void Dispose()
    {
        _comm.Dispose();
        _ready.Dispose();
        foreach (SafeCudaEventHandle e in _done)
        {
            e.Dispose();
        }
    }
}
