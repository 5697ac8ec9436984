using RingAttention.Backends;
using RingAttention.Cuda.Ring;

namespace RingAttention.Cuda.Timeline;

/// <summary>
/// Wraps a rank's element-wise ops so that each operation on the accumulation stream is bracketed by timing events.
/// The recorder starts each interval no earlier than the kernel the operation waited for (<see cref="RankTimelineRecorder.Read"/>).
/// </summary>
internal sealed class TimedElementwiseOps(IRingElementwiseOps<DeviceTensor> inner, RankTimelineRecorder timeline, RankStreams streams)
    : IRingElementwiseOps<DeviceTensor>
{
    public void PackKeyValue(DeviceTensor key, DeviceTensor value, DeviceTensor keyValue)
    {
        int slot = Begin();
        inner.PackKeyValue(key, value, keyValue);
        End(slot);
    }

    public KeyValuePlanes<DeviceTensor> Planes(DeviceTensor stacked) => inner.Planes(stacked);

    public void InitializeOutputAccumulator(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator)
    {
        int slot = Begin();
        inner.InitializeOutputAccumulator(outputAccumulator, lseAccumulator);
        End(slot);
    }

    public void MergePartialOutput(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator, DeviceTensor partialOutput, DeviceTensor partialLse, RowRange rows)
    {
        int slot = Begin();
        inner.MergePartialOutput(outputAccumulator, lseAccumulator, partialOutput, partialLse, rows);
        End(slot);
    }

    public void FinalizeOutput(DeviceTensor outputAccumulator, DeviceTensor lseAccumulator, DeviceTensor output, DeviceTensor lse)
    {
        int slot = Begin();
        inner.FinalizeOutput(outputAccumulator, lseAccumulator, output, lse);
        End(slot);
    }

    public void Zero(DeviceTensor accumulator)
    {
        int slot = Begin();
        inner.Zero(accumulator);
        End(slot);
    }

    public void AccumulateQueryRows(DeviceTensor accumulator, DeviceTensor blockGradient, RowRange rows)
    {
        int slot = Begin();
        inner.AccumulateQueryRows(accumulator, blockGradient, rows);
        End(slot);
    }

    public void AccumulateKeyValueRows(DeviceTensor accumulator, DeviceTensor blockGradient, RowRange rows)
    {
        int slot = Begin();
        inner.AccumulateKeyValueRows(accumulator, blockGradient, rows);
        End(slot);
    }

    public void FinalizeQueryGradient(DeviceTensor accumulator, DeviceTensor queryGradient)
    {
        int slot = Begin();
        inner.FinalizeQueryGradient(accumulator, queryGradient);
        End(slot);
    }

    public void FinalizeKeyValueGradient(DeviceTensor accumulator, DeviceTensor keyGradient, DeviceTensor valueGradient)
    {
        int slot = Begin();
        inner.FinalizeKeyValueGradient(accumulator, keyGradient, valueGradient);
        End(slot);
    }

    private int Begin() => timeline.BeginAccumulate(streams.Accumulation);

    private void End(int slot) => timeline.EndAccumulate(slot, streams.Accumulation);
}
