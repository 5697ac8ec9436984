using RingAttention.Backends;
using RingAttention.Cuda;
using RingAttention.Cuda.Ring;
using RingAttention.Cuda.Timeline;
using RingAttention.Interop;
using RingAttention.Strategies;

namespace RingAttention.Benchmarks;

/// <summary>
/// Links that move nothing: the ring's sends and receives and the collectives return at once, so a rank replayed alone
/// computes on whatever its buffers hold. Its time is its kernels, merges and copies without any transfer.
/// </summary>
internal sealed class SilentLinks : ICudaRankLinks
{
    public IRingTransport<DeviceTensor> Ring(RankGroup group, int member, RankStreams streams, RankTimelineRecorder? timeline) =>
        new SilentTransport(member, group.Count);

    public ICollectiveTransport<DeviceTensor> Collectives(RankGroup group, int member, SafeCudaStreamHandle stream, int device) =>
        new SilentCollectives(member, group.Count);

    /// <summary>A ring transport whose Start and Wait do nothing.</summary>
    private sealed class SilentTransport(int rank, int size) : IRingTransport<DeviceTensor>, IDisposable
    {
        public int Rank { get; } = rank;

        public int Size { get; } = size;

        public void Start(RingChannel channel, RingDirection direction, DeviceTensor send, DeviceTensor receive)
        {
        }

        public void Wait(RingChannel channel)
        {
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Collectives that do nothing.</summary>
    private sealed class SilentCollectives(int rank, int size) : ICollectiveTransport<DeviceTensor>
    {
        public int Rank { get; } = rank;

        public int Size { get; } = size;

        public void AllGather(DeviceTensor send, DeviceTensor receive)
        {
        }

        public void ReduceScatterSum(DeviceTensor send, DeviceTensor receive)
        {
        }

        public void AllToAll(DeviceTensor send, DeviceTensor receive)
        {
        }
    }
}
