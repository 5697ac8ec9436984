using RingAttention.Backends;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;
using RingAttention.Strategies;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// How one rank reaches the others of a communication group: virtual ranks through hubs on one GPU
/// (<see cref="Transport.VirtualGroupHubs"/>), or NCCL ranks through communicators split per group
/// (<see cref="Transport.NcclGroupLinks"/>). Asked at plan time only, in the same order on every rank.
/// </summary>
internal interface ICudaRankLinks
{
    /// <summary>This rank's side of a ring over <paramref name="group"/>, as member <paramref name="member"/>.</summary>
    IRingTransport<DeviceTensor> Ring(RankGroup group, int member, RankStreams streams, RankTimelineRecorder? timeline);

    /// <summary>This rank's collectives over <paramref name="group"/>, as member <paramref name="member"/>, on <paramref name="stream"/>.</summary>
    ICollectiveTransport<DeviceTensor> Collectives(RankGroup group, int member, SafeCudaStreamHandle stream, int device);
}
