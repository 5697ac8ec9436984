using System.Numerics.Tensors;
using RingAttention.Backends;

namespace RingAttention.Cpu;

/// <summary>Region copies on float buffers: one span operation per (batch, row, head) run of head_dim elements.</summary>
internal sealed class CpuRegionOps : IRegionOps<Memory<float>>
{
    /// <summary>What happens to one run: its destination span and its source span, both head_dim long.</summary>
    private interface IRunOperation
    {
        static abstract void Apply(Span<float> destination, ReadOnlySpan<float> source);
    }

    public Memory<float> Slice(Memory<float> tensor, long start, long count) => tensor.Slice(checked((int)start), checked((int)count));

    public void Copy(Memory<float> source, in TensorRegion from, Memory<float> destination, in TensorRegion to) =>
        ForEachRun<CopyRun>(source.Span, from, destination.Span, to);

    public void Accumulate(Memory<float> accumulator, in TensorRegion to, Memory<float> source, in TensorRegion from) =>
        ForEachRun<AddRun>(source.Span, from, accumulator.Span, to);

    /// <summary>Applies <typeparamref name="TRun"/> to every run of the two regions, after checking them (a static abstract call: no delegate, no allocation).</summary>
    private static void ForEachRun<TRun>(ReadOnlySpan<float> source, in TensorRegion from, Span<float> destination, in TensorRegion to)
        where TRun : IRunOperation
    {
        from.Validate(nameof(from));
        to.Validate(nameof(to));
        if (!from.SameSizeAs(to))
        {
            throw new ArgumentException($"Regions differ in size: from {from}, to {to}.", nameof(to));
        }

        int d = from.Frame.HeadDim;
        for (int b = 0; b < from.Frame.Batch; b++)
        {
            for (int k = 0; k < from.RowCount; k++)
            {
                for (int h = 0; h < from.HeadCount; h++)
                {
                    TRun.Apply(destination.Slice(checked((int)to.Offset(b, k, h)), d), source.Slice(checked((int)from.Offset(b, k, h)), d));
                }
            }
        }
    }

    private readonly struct CopyRun : IRunOperation
    {
        public static void Apply(Span<float> destination, ReadOnlySpan<float> source) => source.CopyTo(destination);
    }

    private readonly struct AddRun : IRunOperation
    {
        public static void Apply(Span<float> destination, ReadOnlySpan<float> source) => TensorPrimitives.Add(destination, source, destination);
    }
}
