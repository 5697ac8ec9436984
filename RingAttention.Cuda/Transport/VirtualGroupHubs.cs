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
internal sealed class VirtualGroupHubs(int size, TimeSpan timeout)
    : RankGroupHubs<VirtualRankHub, VirtualCollectiveHub>(size, g => new VirtualRankHub(g.Count, timeout), g => new VirtualCollectiveHub(g.Count, timeout)),
    ICudaRankLinks
{
    /// <inheritdoc />
    public IRingTransport<DeviceTensor> Ring(RankGroup group, int member, RankStreams streams, RankTimelineRecorder? timeline) =>
        new VirtualRankTransport(RingHub(group), member, streams, timeline);

    /// <inheritdoc />
    public ICollectiveTransport<DeviceTensor> Collectives(RankGroup group, int member, SafeCudaStreamHandle stream, int device) =>
        new VirtualCollectiveTransport(CollectiveHub(group), member, stream, device);
}
