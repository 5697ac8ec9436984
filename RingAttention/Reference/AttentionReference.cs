namespace RingAttention;

/// <summary>
/// Plain full-sequence attention in float64, natural token order: the yardstick every ring result is compared
/// with. O(S²) time and O(S) memory per row; meant for checking, not for speed.
/// </summary>
public static class AttentionReference
{
    /// <summary>O (like Q) and LSE ([B, Hq, S]) of full attention, in float64.</summary>
    public static (double[] Output, double[] Lse) Forward(RingProblem problem, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        ArgumentNullException.ThrowIfNull(problem);
        TensorShape qs = problem.GlobalQueryShape;
        TensorShape ks = problem.GlobalKeyValueShape;
        int s = problem.SequenceLength;
        int d = problem.HeadDim;
        double scale = problem.SoftmaxScale;
        var output = new double[qs.ElementCount];
        var lse = new double[(long)problem.BatchSize * problem.QueryHeads * s];
        var scores = new double[s];

        for (int b = 0; b < problem.BatchSize; b++)
        {
            for (int h = 0; h < problem.QueryHeads; h++)
            {
                int kvHead = h / problem.GroupSize;
                for (int i = 0; i < s; i++)
                {
                    int visible = VisibleKeys(problem, i);
                    int qRow = qs.RowOffset(b, i, h);
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < visible; j++)
                    {
                        scores[j] = scale * Dot(query.Slice(qRow, d), key.Slice(ks.RowOffset(b, j, kvHead), d));
                        max = Math.Max(max, scores[j]);
                    }

                    double sum = 0;
                    for (int j = 0; j < visible; j++)
                    {
                        scores[j] = Math.Exp(scores[j] - max);
                        sum += scores[j];
                    }

                    for (int j = 0; j < visible; j++)
                    {
                        ReadOnlySpan<float> vRow = value.Slice(ks.RowOffset(b, j, kvHead), d);
                        double p = scores[j] / sum;
                        for (int c = 0; c < d; c++)
                        {
                            output[qRow + c] += p * vRow[c];
                        }
                    }

                    lse[(((b * problem.QueryHeads) + h) * s) + i] = max + Math.Log(sum);
                }
            }
        }

        return (output, lse);
    }

    /// <summary>dQ, dK, dV of full attention for the output gradient <paramref name="outputGradient"/>, in float64.</summary>
    public static (double[] QueryGradient, double[] KeyGradient, double[] ValueGradient) Backward(
        RingProblem problem, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value, ReadOnlySpan<float> outputGradient)
    {
        ArgumentNullException.ThrowIfNull(problem);
        (double[] output, double[] lse) = Forward(problem, query, key, value);
        TensorShape qs = problem.GlobalQueryShape;
        TensorShape ks = problem.GlobalKeyValueShape;
        int s = problem.SequenceLength;
        int d = problem.HeadDim;
        double scale = problem.SoftmaxScale;
        var dq = new double[qs.ElementCount];
        var dk = new double[ks.ElementCount];
        var dv = new double[ks.ElementCount];

        for (int b = 0; b < problem.BatchSize; b++)
        {
            for (int h = 0; h < problem.QueryHeads; h++)
            {
                int kvHead = h / problem.GroupSize;
                for (int i = 0; i < s; i++)
                {
                    int qRow = qs.RowOffset(b, i, h);
                    double rowLse = lse[(((b * problem.QueryHeads) + h) * s) + i];
                    double delta = 0;
                    for (int c = 0; c < d; c++)
                    {
                        delta += outputGradient[qRow + c] * output[qRow + c];
                    }

                    int visible = VisibleKeys(problem, i);
                    for (int j = 0; j < visible; j++)
                    {
                        int kvRow = ks.RowOffset(b, j, kvHead);
                        double p = Math.Exp((scale * Dot(query.Slice(qRow, d), key.Slice(kvRow, d))) - rowLse);
                        double dp = Dot(outputGradient.Slice(qRow, d), value.Slice(kvRow, d));
                        double ds = scale * p * (dp - delta);
                        for (int c = 0; c < d; c++)
                        {
                            dq[qRow + c] += ds * key[kvRow + c];
                            dk[kvRow + c] += ds * query[qRow + c];
                            dv[kvRow + c] += p * outputGradient[qRow + c];
                        }
                    }
                }
            }
        }

        return (dq, dk, dv);
    }

    private static int VisibleKeys(RingProblem problem, int row) =>
        problem.Mask == AttentionMask.Causal ? row + 1 : problem.SequenceLength;

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int c = 0; c < a.Length; c++)
        {
            sum += (double)a[c] * b[c];
        }

        return sum;
    }
}
