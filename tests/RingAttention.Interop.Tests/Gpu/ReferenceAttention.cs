namespace RingAttention.Interop.Tests.Gpu;

/// <summary>
/// Scaled dot-product attention in float64 over contiguous [b, h, s, d] arrays, forward and backward, with the
/// masks the shim supports and grouped KV heads. The ground truth the GPU results are compared with.
/// With <c>RINGATTN_MASK_BAND</c>, query i sees key j iff i − windowLeft ≤ j ≤ i + windowRight (negative: unbounded), the
/// header's rule written out directly rather than through the shim's simplification to cuDNN's masks.
/// </summary>
internal sealed class ReferenceAttention(int batch, int queryHeads, int kvHeads, int queryRows, int kvRows, int headDim, int mask, double scale,
    int windowLeft = 0, int windowRight = 0)
{
    public int QuerySize => batch * queryHeads * queryRows * headDim;

    public int KvSize => batch * kvHeads * kvRows * headDim;

    public int LseSize => batch * queryHeads * queryRows;

    private int Group => queryHeads / kvHeads;

    private bool Allowed(int i, int j) => mask switch
    {
        NativeConstants.RINGATTN_MASK_CAUSAL_TOP_LEFT => j <= i,
        NativeConstants.RINGATTN_MASK_CAUSAL_BOTTOM_RIGHT => j <= i + (kvRows - queryRows),
        NativeConstants.RINGATTN_MASK_BAND => (windowLeft < 0 || j >= i - windowLeft) && (windowRight < 0 || j <= i + windowRight),
        _ => true,
    };

    private int Q(int b, int h, int i, int d) => (((b * queryHeads) + h) * queryRows + i) * headDim + d;

    private int K(int b, int h, int j, int d) => (((b * kvHeads) + h) * kvRows + j) * headDim + d;

    /// <summary>Softmax probabilities of query row i of head h (0 where masked); lse is -inf for a row with no key.</summary>
    private double[] Probabilities(double[] q, double[] k, int b, int h, int i, out double lse)
    {
        var scores = new double[kvRows];
        double max = double.NegativeInfinity;
        for (int j = 0; j < kvRows; j++)
        {
            if (!Allowed(i, j))
            {
                scores[j] = double.NegativeInfinity;
                continue;
            }

            double dot = 0;
            for (int d = 0; d < headDim; d++)
            {
                dot += q[Q(b, h, i, d)] * k[K(b, h / Group, j, d)];
            }

            scores[j] = scale * dot;
            max = Math.Max(max, scores[j]);
        }

        if (double.IsNegativeInfinity(max))
        {
            lse = double.NegativeInfinity;
            return new double[kvRows];
        }

        double sum = 0;
        for (int j = 0; j < kvRows; j++)
        {
            sum += Math.Exp(scores[j] - max);
        }

        lse = max + Math.Log(sum);
        var p = new double[kvRows];
        for (int j = 0; j < kvRows; j++)
        {
            p[j] = Math.Exp(scores[j] - lse);
        }

        return p;
    }

    public (double[] O, double[] Lse) Forward(double[] q, double[] k, double[] v)
    {
        var o = new double[QuerySize];
        var lse = new double[LseSize];
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < queryHeads; h++)
            {
                for (int i = 0; i < queryRows; i++)
                {
                    double[] p = Probabilities(q, k, b, h, i, out lse[((b * queryHeads) + h) * queryRows + i]);
                    for (int d = 0; d < headDim; d++)
                    {
                        double sum = 0;
                        for (int j = 0; j < kvRows; j++)
                        {
                            sum += p[j] * v[K(b, h / Group, j, d)];
                        }

                        o[Q(b, h, i, d)] = sum;
                    }
                }
            }
        }

        return (o, lse);
    }

    /// <summary>dQ, dK, dV for upstream gradient dO, with D_i = dO_i · O_i from the given forward output.</summary>
    public (double[] DQ, double[] DK, double[] DV) Backward(double[] q, double[] k, double[] v, double[] o, double[] dO)
    {
        var dq = new double[QuerySize];
        var dk = new double[KvSize];
        var dv = new double[KvSize];
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < queryHeads; h++)
            {
                int kvHead = h / Group;
                for (int i = 0; i < queryRows; i++)
                {
                    double[] p = Probabilities(q, k, b, h, i, out _);
                    double rowDot = 0;
                    for (int d = 0; d < headDim; d++)
                    {
                        rowDot += dO[Q(b, h, i, d)] * o[Q(b, h, i, d)];
                    }

                    for (int j = 0; j < kvRows; j++)
                    {
                        if (p[j] == 0)
                        {
                            continue;
                        }

                        double dp = 0;
                        for (int d = 0; d < headDim; d++)
                        {
                            dp += dO[Q(b, h, i, d)] * v[K(b, kvHead, j, d)];
                            dv[K(b, kvHead, j, d)] += p[j] * dO[Q(b, h, i, d)];
                        }

                        double ds = p[j] * (dp - rowDot);
                        for (int d = 0; d < headDim; d++)
                        {
                            dq[Q(b, h, i, d)] += scale * ds * k[K(b, kvHead, j, d)];
                            dk[K(b, kvHead, j, d)] += scale * ds * q[Q(b, h, i, d)];
                        }
                    }
                }
            }
        }

        return (dq, dk, dv);
    }
}
