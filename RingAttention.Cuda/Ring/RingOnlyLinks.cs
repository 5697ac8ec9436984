using RingAttention.Backends;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;
using RingAttention.Strategies;

namespace RingAttention.Cuda.Ring;

/// <summary>Links that know one ring transport over the whole job (tools that replay a ring rank); no other group.</summary>
internal sealed class RingOnlyLinks(Func<RankStreams, RankTimelineRecorder?, IRingTransport<DeviceTensor>> createTransport) : ICudaRankLinks
{
    public IRingTransport<DeviceTensor> Ring(RankGroup group, int member, RankStreams streams, RankTimelineRecorder? timeline) => createTransport(streams, timeline);

    public ICollectiveTransport<DeviceTensor> Collectives(RankGroup group, int member, SafeCudaStreamHandle stream, int device) =>
        throw new NotSupportedException("These links carry only the ring (Strategy = Ring).");
}
