using System.Numerics.Tensors;
using RingAttention.Backends;

namespace RingAttention.Cpu;

/// <summary>Region copies on float buffers: one span operation per (batch, row, head) run of head_dim elements.</summary>
internal sealed class CpuRegionOps : IRegionOps<Memory<float>>
{
    public Memory<float> Slice(Memory<float> tensor, long start, long count) => tensor.Slice(checked((int)start), checked((int)count));

    public void Copy(Memory<float> source, in TensorRegion from, Memory<float> destination, in TensorRegion to)
    {
        Check(from, to);
        Span<float> dst = destination.Span;
        ReadOnlySpan<float> src = source.Span;
        int d = from.Frame.HeadDim;
        for (int b = 0; b < from.Frame.Batch; b++)
        {
            for (int k = 0; k < from.RowCount; k++)
            {
                for (int h = 0; h < from.HeadCount; h++)
                {
                    src.Slice(checked((int)from.Offset(b, k, h)), d).CopyTo(dst.Slice(checked((int)to.Offset(b, k, h)), d));
                }
            }
        }
    }

    public void Accumulate(Memory<float> accumulator, in TensorRegion to, Memory<float> source, in TensorRegion from)
    {
        Check(from, to);
        Span<float> acc = accumulator.Span;
        ReadOnlySpan<float> src = source.Span;
        int d = from.Frame.HeadDim;
        for (int b = 0; b < from.Frame.Batch; b++)
        {
            for (int k = 0; k < from.RowCount; k++)
            {
                for (int h = 0; h < from.HeadCount; h++)
                {
                    Span<float> row = acc.Slice(checked((int)to.Offset(b, k, h)), d);
                    TensorPrimitives.Add(row, src.Slice(checked((int)from.Offset(b, k, h)), d), row);
                }
            }
        }
    }

    private static void Check(in TensorRegion from, in TensorRegion to)
    {
        from.Validate(nameof(from));
        to.Validate(nameof(to));
        if (!from.SameSizeAs(to))
        {
            throw new ArgumentException($"Regions differ in size: from {from}, to {to}.", nameof(to));
        }
    }
}
