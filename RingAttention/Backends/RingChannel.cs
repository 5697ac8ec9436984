namespace RingAttention.Backends;

/// <summary>An independent lane of the ring transport; each holds at most one exchange in flight.</summary>
public enum RingChannel
{
    /// <summary>The travelling stacked K/V blocks.</summary>
    KeyValue = 0,

    /// <summary>The travelling dK/dV accumulators of the backward.</summary>
    Gradient = 1,
}
