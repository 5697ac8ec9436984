using RingAttention.Backends;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;
using RingAttention.Strategies;
using RingAttention.Threading;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// Every meeting point of the virtual ranks of one plan: one <see cref="VirtualRankHub"/> per ring group and one
/// <see cref="VirtualCollectiveHub"/> per collective group, made when the first member asks. As one
/// <see cref="IRankFailureSignal"/>, a failing rank stops every other rank at its next wait, in whichever group.
/// </summary>
internal sealed class VirtualGroupHubs(int size, TimeSpan timeout) : ICudaRankLinks, IRankFailureSignal, IDisposable
{
    private readonly Dictionary<RankGroup, VirtualRankHub> _rings = [];
    private readonly Dictionary<RankGroup, VirtualCollectiveHub> _collectives = [];
    private readonly List<IRankFailureSignal> _all = [];
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public int Size => size;

    /// <inheritdoc />
    public IRingTransport<DeviceTensor> Ring(RankGroup group, int member, RankStreams streams, RankTimelineRecorder? timeline)
    {
        lock (_gate)
        {
            if (!_rings.TryGetValue(group, out VirtualRankHub? hub))
            {
                hub = new VirtualRankHub(group.Count, timeout);
                _rings.Add(group, hub);
                _all.Add(hub);
            }

            return new VirtualRankTransport(hub, member, streams, timeline);
        }
    }

    /// <inheritdoc />
    public ICollectiveTransport<DeviceTensor> Collectives(RankGroup group, int member, SafeCudaStreamHandle stream, int device)
    {
        lock (_gate)
        {
            if (!_collectives.TryGetValue(group, out VirtualCollectiveHub? hub))
            {
                hub = new VirtualCollectiveHub(group.Count, timeout);
                _collectives.Add(group, hub);
                _all.Add(hub);
            }

            return new VirtualCollectiveTransport(hub, member, stream, device);
        }
    }

    /// <inheritdoc />
    public void Fail()
    {
        foreach (IRankFailureSignal hub in _all)
        {
            hub.Fail();
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        foreach (IRankFailureSignal hub in _all)
        {
            hub.Reset();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (IRankFailureSignal hub in _all)
        {
            ((IDisposable)hub).Dispose();
        }
    }
}
