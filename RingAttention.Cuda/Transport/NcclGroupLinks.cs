using RingAttention.Backends;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;
using RingAttention.Strategies;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// One NCCL rank's groups: the whole job is <paramref name="communicator"/> itself; any smaller group (an inner
/// all-to-all group of consecutive ranks, a strided ring) is a communicator split from it (ringattn_nccl_comm_split,
/// color = the group's first rank, key = the member index), made at plan time in the same order on every rank and
/// owned here (<see cref="Splits"/>: a process group's watchdog aborts them with the parent).
/// </summary>
internal sealed class NcclGroupLinks(NcclCommunicator communicator) : ICudaRankLinks, IDisposable
{
    private readonly Dictionary<RankGroup, NcclCommunicator> _splits = [];

    /// <inheritdoc />
    public IRingTransport<DeviceTensor> Ring(RankGroup group, int member, RankStreams streams, RankTimelineRecorder? timeline) =>
        new NcclRingTransport(For(group, member), streams, timeline);

    /// <inheritdoc />
    public ICollectiveTransport<DeviceTensor> Collectives(RankGroup group, int member, SafeCudaStreamHandle stream, int device) =>
        new NcclCollectiveTransport(For(group, member), stream);

    /// <summary>The communicators split for smaller groups (the process group's watchdog watches and aborts them).</summary>
    public IReadOnlyCollection<NcclCommunicator> Splits => _splits.Values;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (NcclCommunicator split in _splits.Values)
        {
            split.Dispose();
        }

        _splits.Clear();
    }

    private NcclCommunicator For(RankGroup group, int member)
    {
        if (group.Count == communicator.Size)
        {
            return communicator;
        }

        if (!_splits.TryGetValue(group, out NcclCommunicator? split))
        {
            split = communicator.Split(group.First, member)
                ?? throw new InvalidOperationException($"Rank {communicator.Rank} was left out of the split for {group}.");
            _splits.Add(group, split);
        }

        return split;
    }
}
