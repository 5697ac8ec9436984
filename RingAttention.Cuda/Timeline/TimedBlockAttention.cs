using RingAttention.Backends;
using RingAttention.Interop;

namespace RingAttention.Cuda.Timeline;

/// <summary>Wraps a rank's kernel so that each step's attention is bracketed by timing events.</summary>
internal sealed class TimedBlockAttention(IBlockAttentionKernel<DeviceTensor> inner, RankTimelineRecorder timeline, SafeCudaStreamHandle stream)
    : IBlockAttentionKernel<DeviceTensor>
{
    public void Forward(in BlockTask task, DeviceTensor query, in KeyValuePlanes<DeviceTensor> keyValue, DeviceTensor partialOutput, DeviceTensor partialLse)
    {
        int slot = timeline.BeginCompute(task.SourceRank, stream);
        inner.Forward(task, query, keyValue, partialOutput, partialLse);
        timeline.EndCompute(slot, stream);
    }

    public void Backward(
        in BlockTask task,
        DeviceTensor query,
        in KeyValuePlanes<DeviceTensor> keyValue,
        DeviceTensor output,
        DeviceTensor outputGradient,
        DeviceTensor lse,
        DeviceTensor partialQueryGradient,
        in KeyValuePlanes<DeviceTensor> partialKeyValueGradient)
    {
        int slot = timeline.BeginCompute(task.SourceRank, stream);
        inner.Backward(task, query, keyValue, output, outputGradient, lse, partialQueryGradient, partialKeyValueGradient);
        timeline.EndCompute(slot, stream);
    }
}
