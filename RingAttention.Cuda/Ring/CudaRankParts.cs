using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Timeline;

namespace RingAttention.Cuda.Ring;

/// <summary>What one rank's <see cref="CudaStrategyBackend"/> builds from: the rank's device, streams, buffers and links.</summary>
internal sealed record CudaRankParts(
    int Rank,
    int RingSize,
    int Device,
    DeviceElementType ElementType,
    CudaAttentionContext Context,
    RankStreams Streams,
    DeviceBufferSet Buffers,
    List<IDisposable> Owned,
    ICudaRankLinks Links,
    RankTimelineRecorder? Timeline,
    Func<int, IBlockAttentionKernel<DeviceTensor>, IBlockAttentionKernel<DeviceTensor>>? KernelFactory);
