using RingAttention.Backends;
using RingAttention.Interop;

namespace RingAttention.Cuda.Timeline;

/// <summary>Wraps a rank's kernel so that each step's attention is bracketed by timing events.</summary>
internal sealed class TimedBlockAttention(IBlockAttentionKernel<DeviceTensor> inner, RankTimelineRecorder timeline, SafeCudaStreamHandle stream)
    : IBlockAttentionKernel<DeviceTensor>
{
    public void Forward(in BlockTask task, in BlockForwardTensors<DeviceTensor> tensors)
    {
        int slot = timeline.BeginCompute(task.SourceRank, stream);
        inner.Forward(task, tensors);
        timeline.EndCompute(slot, stream);
    }

    public void Backward(in BlockTask task, in BlockBackwardTensors<DeviceTensor> tensors)
    {
        int slot = timeline.BeginCompute(task.SourceRank, stream);
        inner.Backward(task, tensors);
        timeline.EndCompute(slot, stream);
    }
}
