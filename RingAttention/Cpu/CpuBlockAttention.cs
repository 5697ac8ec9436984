using System.Numerics.Tensors;
using RingAttention.Backends;

namespace RingAttention.Cpu;

/// <summary>
/// Attention of one ring step in plain C#: float32 in and out, float32 accumulation, SIMD dot products and
/// row updates through <see cref="TensorPrimitives"/>. The reference backend, not a fast one.
/// </summary>
internal sealed class CpuBlockAttention : IBlockAttentionKernel<Memory<float>>
{
    private readonly CpuTensorGeometry _geometry;
    private readonly float _scale;
    private readonly float[] _probabilities; // one query row against at most L keys; planned once
    private readonly float[] _rowGradient;

    public CpuBlockAttention(CpuTensorGeometry geometry)
    {
        _geometry = geometry;
        _scale = geometry.Problem.SoftmaxScale;
        _probabilities = new float[geometry.Length];
        _rowGradient = new float[geometry.Problem.HeadDim];
    }

    public void Forward(in BlockTask task, in BlockForwardTensors<Memory<float>> tensors)
    {
        RingProblem p = _geometry.Problem;
        ReadOnlySpan<float> q = tensors.Query.Span;
        ReadOnlySpan<float> keys = tensors.KeyValue.Key.Span;
        ReadOnlySpan<float> values = tensors.KeyValue.Value.Span;
        Span<float> o = tensors.PartialOutput.Span;
        Span<float> lse = tensors.PartialLse.Span;
        int d = p.HeadDim;

        for (int b = 0; b < p.BatchSize; b++)
        {
            for (int h = 0; h < p.QueryHeads; h++)
            {
                int kvHead = h / p.GroupSize;
                for (int i = task.Query.Start; i < task.Query.End; i++)
                {
                    ReadOnlySpan<float> qRow = q.Slice(_geometry.Query.RowOffset(b, i, h), d);
                    Span<float> oRow = o.Slice(_geometry.Query.RowOffset(b, i, h), d);
                    (int first, int visible) = task.Band.VisibleKeys(i - task.Query.Start, task.KeyValue.Count);
                    if (visible == 0)
                    {
                        oRow.Clear();
                        lse[_geometry.LseOffset(b, h, i)] = float.NegativeInfinity;
                        continue;
                    }

                    Span<float> scores = _probabilities.AsSpan(0, visible);
                    for (int j = 0; j < visible; j++)
                    {
                        int key = _geometry.KeyValue.RowOffset(b, task.KeyValue.Start + first + j, kvHead);
                        scores[j] = _scale * TensorPrimitives.Dot(qRow, keys.Slice(key, d));
                    }

                    float max = TensorPrimitives.Max(scores);
                    TensorPrimitives.Subtract(scores, max, scores);
                    TensorPrimitives.Exp(scores, scores);
                    float sum = TensorPrimitives.Sum(scores);

                    oRow.Clear();
                    for (int j = 0; j < visible; j++)
                    {
                        int value = _geometry.KeyValue.RowOffset(b, task.KeyValue.Start + first + j, kvHead);
                        TensorPrimitives.MultiplyAdd(values.Slice(value, d), scores[j] / sum, oRow, oRow);
                    }

                    lse[_geometry.LseOffset(b, h, i)] = max + MathF.Log(sum);
                }
            }
        }
    }

    public void Backward(in BlockTask task, in BlockBackwardTensors<Memory<float>> tensors)
    {
        RingProblem p = _geometry.Problem;
        ReadOnlySpan<float> q = tensors.Query.Span;
        ReadOnlySpan<float> keys = tensors.KeyValue.Key.Span;
        ReadOnlySpan<float> values = tensors.KeyValue.Value.Span;
        ReadOnlySpan<float> o = tensors.Output.Span;
        ReadOnlySpan<float> dO = tensors.OutputGradient.Span;
        ReadOnlySpan<float> lseSpan = tensors.Lse.Span;
        Span<float> dq = tensors.PartialQueryGradient.Span;
        Span<float> dk = tensors.PartialKeyValueGradient.Key.Span;
        Span<float> dv = tensors.PartialKeyValueGradient.Value.Span;
        int d = p.HeadDim;

        ClearKeyValueRows(dk, task.KeyValue);
        ClearKeyValueRows(dv, task.KeyValue);
        Span<float> dqRow = _rowGradient;
        for (int b = 0; b < p.BatchSize; b++)
        {
            for (int h = 0; h < p.QueryHeads; h++)
            {
                int kvHead = h / p.GroupSize;
                for (int i = task.Query.Start; i < task.Query.End; i++)
                {
                    int row = _geometry.Query.RowOffset(b, i, h);
                    ReadOnlySpan<float> qRow = q.Slice(row, d);
                    ReadOnlySpan<float> doRow = dO.Slice(row, d);
                    float rowLse = lseSpan[_geometry.LseOffset(b, h, i)];
                    dqRow.Clear();
                    (int first, int visible) = task.Band.VisibleKeys(i - task.Query.Start, task.KeyValue.Count);
                    if (float.IsNegativeInfinity(rowLse))
                    {
                        visible = 0; // a row that sees no key anywhere: zero gradients, never exp(-inf - -inf)
                    }

                    // D_i = rowsum(dO ∘ O) with the global O: the same for every block of the row.
                    float delta = TensorPrimitives.Dot(doRow, o.Slice(row, d));
                    for (int j = 0; j < visible; j++)
                    {
                        int kv = _geometry.KeyValue.RowOffset(b, task.KeyValue.Start + first + j, kvHead);
                        ReadOnlySpan<float> kRow = keys.Slice(kv, d);
                        float probability = MathF.Exp((_scale * TensorPrimitives.Dot(qRow, kRow)) - rowLse);
                        float dp = TensorPrimitives.Dot(doRow, values.Slice(kv, d));
                        float ds = _scale * probability * (dp - delta);
                        TensorPrimitives.MultiplyAdd(kRow, ds, dqRow, dqRow);
                        Span<float> dkRow = dk.Slice(kv, d);
                        TensorPrimitives.MultiplyAdd(qRow, ds, dkRow, dkRow);
                        Span<float> dvRow = dv.Slice(kv, d);
                        TensorPrimitives.MultiplyAdd(doRow, probability, dvRow, dvRow);
                    }

                    dqRow.CopyTo(dq.Slice(row, d));
                }
            }
        }
    }

    private void ClearKeyValueRows(Span<float> plane, RowRange rows)
    {
        RingProblem p = _geometry.Problem;
        for (int b = 0; b < p.BatchSize; b++)
        {
            for (int s = rows.Start; s < rows.End; s++)
            {
                for (int h = 0; h < p.KeyValueHeads; h++)
                {
                    plane.Slice(_geometry.KeyValue.RowOffset(b, s, h), p.HeadDim).Clear();
                }
            }
        }
    }
}
