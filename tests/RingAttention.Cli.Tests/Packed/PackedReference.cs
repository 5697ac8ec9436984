namespace RingAttention.Cli.Tests.Packed;

/// <summary>
/// What a packed run must give, computed without the packed code: each document alone as an ordinary one-rank BSHD
/// problem through the float64 <see cref="AttentionReference"/>, its results placed at its rows of the [T, H, D]
/// tensors; LSE as [Hq, T].
/// </summary>
internal sealed record PackedReference(double[] Output, double[] Lse, double[] QueryGradient, double[] KeyGradient, double[] ValueGradient)
{
    public static PackedReference PerDocument(
        int[] lengths, int queryHeads, int keyValueHeads, int headDim, AttentionMask mask, AttentionWindow? window, RunScenario scenario)
    {
        int tokens = lengths.Sum();
        int queryRow = queryHeads * headDim;
        int keyValueRow = keyValueHeads * headDim;
        var result = new PackedReference(
            new double[tokens * queryRow], new double[queryHeads * tokens], new double[tokens * queryRow], new double[tokens * keyValueRow], new double[tokens * keyValueRow]);
        int start = 0;
        foreach (int length in lengths)
        {
            var alone = new RingProblem
            {
                BatchSize = 1,
                SequenceLength = length,
                QueryHeads = queryHeads,
                KeyValueHeads = keyValueHeads,
                HeadDim = headDim,
                RingSize = 1,
                Mask = mask,
                Window = window,
            };
            float[] q = Rows(scenario.Query, start, length, queryRow);
            float[] k = Rows(scenario.Key, start, length, keyValueRow);
            float[] v = Rows(scenario.Value, start, length, keyValueRow);
            float[] dO = Rows(scenario.OutputGradient, start, length, queryRow);
            (double[] o, double[] lse) = AttentionReference.Forward(alone, q, k, v);
            (double[] dq, double[] dk, double[] dv) = AttentionReference.Backward(alone, q, k, v, dO);
            o.CopyTo(result.Output, start * queryRow);
            dq.CopyTo(result.QueryGradient, start * queryRow);
            dk.CopyTo(result.KeyGradient, start * keyValueRow);
            dv.CopyTo(result.ValueGradient, start * keyValueRow);
            for (int h = 0; h < queryHeads; h++)
            {
                // The document's LSE is [1, Hq, length]: head h's row goes to columns [start, start + length) of row h.
                lse.AsSpan(h * length, length).CopyTo(result.Lse.AsSpan((h * tokens) + start, length));
            }

            start += length;
        }

        return result;
    }

    private static float[] Rows(float[] packed, int start, int length, int row) => packed.AsSpan(start * row, length * row).ToArray();
}
