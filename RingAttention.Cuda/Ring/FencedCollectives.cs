using RingAttention.Strategies;

namespace RingAttention.Cuda.Ring;

/// <summary>A rank's collectives on its compute stream, each after everything its accumulation stream holds.</summary>
internal sealed class FencedCollectives(ICollectiveTransport<DeviceTensor> inner, RankStreams streams) : ICollectiveTransport<DeviceTensor>, IDisposable
{
    public int Rank => inner.Rank;

    public int Size => inner.Size;

    public void AllGather(DeviceTensor send, DeviceTensor receive)
    {
        streams.ComputeAfterAccumulation();
        inner.AllGather(send, receive);
    }

    public void ReduceScatterSum(DeviceTensor send, DeviceTensor receive)
    {
        streams.ComputeAfterAccumulation();
        inner.ReduceScatterSum(send, receive);
    }

    public void AllToAll(DeviceTensor send, DeviceTensor receive)
    {
        streams.ComputeAfterAccumulation();
        inner.AllToAll(send, receive);
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();
}
