namespace RingAttention;

/// <summary>
/// Plain full-sequence attention in float64, natural token order: the yardstick every ring result is compared
/// with. O(S²) time and O(S) memory per row; meant for checking, not for speed. Packed documents
/// (<see cref="TensorLayout.Thd"/>) are one [T, H, D] row in which a query sees only keys of its own document, at
/// positions counted from the document's start, so each document's slice equals its attention computed alone.
/// <para>
/// It shares no convention with the ring: the default scale (1/√D), the query-to-KV head mapping and the element
/// offsets of each layout are derived here from the shape alone, not read from <see cref="RingProblem.SoftmaxScale"/>,
/// <see cref="RingProblem.GroupSize"/> or <see cref="TensorShape.RowOffset"/>. A change to one of those then
/// shows as a difference between the ring and this reference instead of moving both.
/// </para>
/// </summary>
public static class AttentionReference
{
    /// <summary>O (like Q) and LSE ([B, Hq, S]) of full attention, in float64.</summary>
    public static (double[] Output, double[] Lse) Forward(RingProblem problem, ReadOnlySpan<float> query, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var qs = new Layout(problem, problem.QueryHeads);
        var ks = new Layout(problem, problem.KeyValueHeads);
        int s = problem.SequenceLength;
        int d = problem.HeadDim;
        double scale = ScaleOf(problem);
        var output = new double[qs.ElementCount];
        var lse = new double[(long)problem.BatchSize * problem.QueryHeads * s];
        var scores = new double[s];
        int[] documentOf = DocumentIndex(problem);

        for (int b = 0; b < problem.BatchSize; b++)
        {
            for (int h = 0; h < problem.QueryHeads; h++)
            {
                int kvHead = KeyValueHeadOf(problem, h);
                for (int i = 0; i < s; i++)
                {
                    int qRow = qs.RowOffset(b, i, h);
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < s; j++)
                    {
                        if (!Visible(problem, documentOf, i, j))
                        {
                            continue;
                        }

                        scores[j] = scale * Dot(query.Slice(qRow, d), key.Slice(ks.RowOffset(b, j, kvHead), d));
                        max = Math.Max(max, scores[j]);
                    }

                    double sum = 0;
                    for (int j = 0; j < s; j++)
                    {
                        if (!Visible(problem, documentOf, i, j))
                        {
                            continue;
                        }

                        scores[j] = Math.Exp(scores[j] - max);
                        sum += scores[j];
                    }

                    for (int j = 0; j < s; j++)
                    {
                        if (!Visible(problem, documentOf, i, j))
                        {
                            continue;
                        }

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
        var qs = new Layout(problem, problem.QueryHeads);
        var ks = new Layout(problem, problem.KeyValueHeads);
        int s = problem.SequenceLength;
        int d = problem.HeadDim;
        double scale = ScaleOf(problem);
        var dq = new double[qs.ElementCount];
        var dk = new double[ks.ElementCount];
        var dv = new double[ks.ElementCount];
        int[] documentOf = DocumentIndex(problem);

        for (int b = 0; b < problem.BatchSize; b++)
        {
            for (int h = 0; h < problem.QueryHeads; h++)
            {
                int kvHead = KeyValueHeadOf(problem, h);
                for (int i = 0; i < s; i++)
                {
                    int qRow = qs.RowOffset(b, i, h);
                    double rowLse = lse[(((b * problem.QueryHeads) + h) * s) + i];
                    double delta = 0;
                    for (int c = 0; c < d; c++)
                    {
                        delta += outputGradient[qRow + c] * output[qRow + c];
                    }

                    for (int j = 0; j < s; j++)
                    {
                        if (!Visible(problem, documentOf, i, j))
                        {
                            continue;
                        }

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

    /// <summary>The scale the problem asks for, or the usual 1/√D computed here in float64.</summary>
    private static double ScaleOf(RingProblem problem) => problem.Scale ?? 1.0 / Math.Sqrt(problem.HeadDim);

    /// <summary>GQA/MQA: consecutive groups of Hq/Hkv query heads share one KV head (head h reads KV head h / (Hq/Hkv)).</summary>
    private static int KeyValueHeadOf(RingProblem problem, int queryHead) =>
        queryHead / (problem.QueryHeads / problem.KeyValueHeads);

    /// <summary>
    /// Whether the query at original position <paramref name="row"/> sees the key at <paramref name="key"/>: the
    /// mask and the window written out from their definitions, independently of the ring's band derivation.
    /// </summary>
    private static bool Visible(RingProblem problem, int[] documentOf, int row, int key)
    {
        if (problem.Documents is PackedDocuments documents)
        {
            int document = documentOf[row];
            if (documentOf[key] != document)
            {
                return false;
            }

            row -= documents.Offsets[document];
            key -= documents.Offsets[document];
        }

        if (problem.Mask == AttentionMask.Causal && key > row)
        {
            return false;
        }

        if (problem.Window is not AttentionWindow w)
        {
            return true;
        }

        bool afterLeftEdge = w.Left == AttentionWindow.Unbounded || row - key <= w.Left;
        bool beforeRightEdge = w.Right == AttentionWindow.Unbounded || key - row <= w.Right;
        return afterLeftEdge && beforeRightEdge;
    }

    /// <summary>The document of each packed row (empty for one sequence per batch row).</summary>
    private static int[] DocumentIndex(RingProblem problem)
    {
        if (problem.Documents is not PackedDocuments documents)
        {
            return [];
        }

        var documentOf = new int[problem.SequenceLength];
        for (int d = 0; d < documents.Count; d++)
        {
            documentOf.AsSpan(documents.Offsets[d], documents.Lengths[d]).Fill(d);
        }

        return documentOf;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int c = 0; c < a.Length; c++)
        {
            sum += (double)a[c] * b[c];
        }

        return sum;
    }

    /// <summary>Element offsets of a full-sequence tensor with <c>heads</c> heads: [B, S, H, D] or [S, B, H, D], row-major.</summary>
    private readonly struct Layout(RingProblem problem, int heads)
    {
        private readonly int _batch = problem.BatchSize;
        private readonly int _sequence = problem.SequenceLength;
        private readonly int _headDim = problem.HeadDim;
        private readonly bool _sequenceFirst = problem.Layout == TensorLayout.Sbhd;

        public long ElementCount => (long)_batch * _sequence * heads * _headDim;

        /// <summary>Offset of element [b, s, h, 0].</summary>
        public int RowOffset(int b, int s, int h) => _sequenceFirst
            ? (((s * _batch) + b) * heads + h) * _headDim
            : (((b * _sequence) + s) * heads + h) * _headDim;
    }
}
