namespace RingAttention.Strategies;

/// <summary>
/// Bytes one rank sends in one layer's forward and backward pass under a strategy. Every strategy here is symmetric,
/// so a rank receives as many bytes as it sends; a full-duplex link moves both at once.
/// </summary>
/// <param name="ForwardBytes">Sent in the forward pass.</param>
/// <param name="BackwardBytes">Sent in the backward pass.</param>
internal readonly record struct PassTraffic(double ForwardBytes, double BackwardBytes)
{
    /// <summary>Forward plus backward.</summary>
    public double TotalBytes => ForwardBytes + BackwardBytes;

    /// <summary>The sum of two parts of a composite strategy.</summary>
    public static PassTraffic operator +(PassTraffic a, PassTraffic b) =>
        new(a.ForwardBytes + b.ForwardBytes, a.BackwardBytes + b.BackwardBytes);

    /// <summary>The sum of two parts of a composite strategy.</summary>
    public static PassTraffic Add(PassTraffic a, PassTraffic b) => a + b;
}
