namespace RingAttention.Tests.Packed;

/// <summary>Packed problems for the THD tests, and the per-document float64 reference they are checked against.</summary>
internal static class PackedCases
{
    public static RingProblem Problem(
        int ringSize, AttentionMask mask, LoadBalancing balance, int[] lengths, int queryHeads = 2, int keyValueHeads = 2, AttentionWindow? window = null)
    {
        PackedDocuments documents = PackedDocuments.Padded(lengths, balance, ringSize);
        return new RingProblem
        {
            BatchSize = 1,
            SequenceLength = documents.TotalLength,
            QueryHeads = queryHeads,
            KeyValueHeads = keyValueHeads,
            HeadDim = 8,
            RingSize = ringSize,
            Mask = mask,
            Balance = balance,
            Layout = TensorLayout.Thd,
            Documents = documents,
            Window = window,
        };
    }

    /// <summary>
    /// Each document alone as an ordinary one-rank BSHD problem through <see cref="AttentionReference"/>, its results
    /// placed at its packed rows: what packing must not change. LSE comes back as [Hq, T].
    /// </summary>
    public static Reference PerDocument(RingProblem packed, float[] q, float[] k, float[] v, float[] dO)
    {
        PackedDocuments documents = packed.Documents!;
        int t = packed.SequenceLength;
        int qRow = packed.QueryHeads * packed.HeadDim;
        int kvRow = packed.KeyValueHeads * packed.HeadDim;
        var result = new Reference(new double[t * qRow], new double[packed.QueryHeads * t], new double[t * qRow], new double[t * kvRow], new double[t * kvRow]);
        for (int d = 0; d < documents.Count; d++)
        {
            int start = documents.Offsets[d];
            int length = documents.Lengths[d];
            var alone = new RingProblem
            {
                BatchSize = 1,
                SequenceLength = length,
                QueryHeads = packed.QueryHeads,
                KeyValueHeads = packed.KeyValueHeads,
                HeadDim = packed.HeadDim,
                RingSize = 1,
                Mask = packed.Mask,
                Window = packed.Window,
                Scale = packed.Scale,
            };
            float[] dq = q.AsSpan(start * qRow, length * qRow).ToArray();
            float[] dk = k.AsSpan(start * kvRow, length * kvRow).ToArray();
            float[] dv = v.AsSpan(start * kvRow, length * kvRow).ToArray();
            float[] ddo = dO.AsSpan(start * qRow, length * qRow).ToArray();
            (double[] o, double[] lse) = AttentionReference.Forward(alone, dq, dk, dv);
            (double[] gq, double[] gk, double[] gv) = AttentionReference.Backward(alone, dq, dk, dv, ddo);
            o.CopyTo(result.Output, start * qRow);
            gq.CopyTo(result.QueryGradient, start * qRow);
            gk.CopyTo(result.KeyGradient, start * kvRow);
            gv.CopyTo(result.ValueGradient, start * kvRow);
            for (int h = 0; h < packed.QueryHeads; h++)
            {
                lse.AsSpan(h * length, length).CopyTo(result.Lse.AsSpan((h * t) + start, length));
            }
        }

        return result;
    }

    public sealed record Reference(double[] Output, double[] Lse, double[] QueryGradient, double[] KeyGradient, double[] ValueGradient);
}
