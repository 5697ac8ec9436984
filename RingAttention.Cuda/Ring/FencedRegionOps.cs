using RingAttention.Backends;

namespace RingAttention.Cuda.Ring;

/// <summary>A rank's region copies on its compute stream, each after everything its accumulation stream holds.</summary>
internal sealed class FencedRegionOps(IRegionOps<DeviceTensor> inner, RankStreams streams) : IRegionOps<DeviceTensor>
{
    public DeviceTensor Slice(DeviceTensor tensor, long start, long count) => inner.Slice(tensor, start, count);

    public void Copy(DeviceTensor source, in TensorRegion from, DeviceTensor destination, in TensorRegion to)
    {
        streams.ComputeAfterAccumulation();
        inner.Copy(source, from, destination, to);
    }

    public void Accumulate(DeviceTensor accumulator, in TensorRegion to, DeviceTensor source, in TensorRegion from)
    {
        streams.ComputeAfterAccumulation();
        inner.Accumulate(accumulator, to, source, from);
    }
}
