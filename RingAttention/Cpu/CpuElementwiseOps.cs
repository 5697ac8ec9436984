using System.Numerics.Tensors;
using RingAttention.Backends;

namespace RingAttention.Cpu;

/// <summary>The ring's element-wise operations on float buffers.</summary>
internal sealed class CpuElementwiseOps : IRingElementwiseOps<Memory<float>>
{
    private readonly CpuTensorGeometry _geometry;

    public CpuElementwiseOps(CpuTensorGeometry geometry) => _geometry = geometry;

    public void PackKeyValue(Memory<float> key, Memory<float> value, Memory<float> keyValue)
    {
        key.Span.CopyTo(keyValue.Span[.._geometry.KeyValuePlane]);
        value.Span.CopyTo(keyValue.Span[_geometry.KeyValuePlane..]);
    }

    public KeyValuePlanes<Memory<float>> Planes(Memory<float> stacked) =>
        new(stacked[.._geometry.KeyValuePlane], stacked[_geometry.KeyValuePlane..]);

    public void InitializeOutputAccumulator(Memory<float> outputAccumulator, Memory<float> lseAccumulator)
    {
        outputAccumulator.Span.Clear();
        lseAccumulator.Span.Fill(float.NegativeInfinity);
    }

    public void MergePartialOutput(Memory<float> outputAccumulator, Memory<float> lseAccumulator, Memory<float> partialOutput, Memory<float> partialLse, RowRange rows)
    {
        RingProblem p = _geometry.Problem;
        Span<float> o = outputAccumulator.Span;
        Span<float> lse = lseAccumulator.Span;
        ReadOnlySpan<float> ob = partialOutput.Span;
        ReadOnlySpan<float> lseb = partialLse.Span;
        for (int b = 0; b < p.BatchSize; b++)
        {
            for (int h = 0; h < p.QueryHeads; h++)
            {
                for (int s = rows.Start; s < rows.End; s++)
                {
                    int at = _geometry.LseOffset(b, h, s);
                    (float merged, float oldWeight, float newWeight) = LseMerge.Combine(lse[at], lseb[at]);
                    lse[at] = merged;
                    if (newWeight == 0f)
                    {
                        continue; // nothing to add; also keeps 0·NaN of an unwritten row out of O
                    }

                    int row = _geometry.Query.RowOffset(b, s, h);
                    Span<float> oRow = o.Slice(row, p.HeadDim);
                    TensorPrimitives.Multiply(oRow, oldWeight, oRow);
                    TensorPrimitives.MultiplyAdd(ob.Slice(row, p.HeadDim), newWeight, oRow, oRow);
                }
            }
        }
    }

    public void FinalizeOutput(Memory<float> outputAccumulator, Memory<float> lseAccumulator, Memory<float> output, Memory<float> lse)
    {
        // Rows that never saw a key were never merged into, so they are still exactly 0.
        outputAccumulator.Span.CopyTo(output.Span);
        lseAccumulator.Span.CopyTo(lse.Span);
    }

    public void Zero(Memory<float> accumulator) => accumulator.Span.Clear();

    public void AccumulateQueryRows(Memory<float> accumulator, Memory<float> blockGradient, RowRange rows) =>
        AccumulateRows(accumulator.Span, blockGradient.Span, _geometry.Query, rows);

    public void AccumulateKeyValueRows(Memory<float> accumulator, Memory<float> blockGradient, RowRange rows)
    {
        int plane = _geometry.KeyValuePlane;
        AccumulateRows(accumulator.Span[..plane], blockGradient.Span[..plane], _geometry.KeyValue, rows);
        AccumulateRows(accumulator.Span[plane..], blockGradient.Span[plane..], _geometry.KeyValue, rows);
    }

    public void FinalizeQueryGradient(Memory<float> accumulator, Memory<float> queryGradient) =>
        accumulator.Span.CopyTo(queryGradient.Span);

    public void FinalizeKeyValueGradient(Memory<float> accumulator, Memory<float> keyGradient, Memory<float> valueGradient)
    {
        accumulator.Span[.._geometry.KeyValuePlane].CopyTo(keyGradient.Span);
        accumulator.Span[_geometry.KeyValuePlane..].CopyTo(valueGradient.Span);
    }

    private static void AccumulateRows(Span<float> accumulator, ReadOnlySpan<float> partial, TensorShape shape, RowRange rows)
    {
        for (int b = 0; b < shape.Batch; b++)
        {
            for (int s = rows.Start; s < rows.End; s++)
            {
                // All heads of one token are contiguous in both layouts.
                int start = shape.RowOffset(b, s, 0);
                int count = shape.Heads * shape.HeadDim;
                Span<float> target = accumulator.Slice(start, count);
                TensorPrimitives.Add(target, partial.Slice(start, count), target);
            }
        }
    }
}
