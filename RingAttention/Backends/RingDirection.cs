namespace RingAttention.Backends;

/// <summary>Which way a buffer moves around the ring.</summary>
internal enum RingDirection
{
    /// <summary>Send to (r+1) mod N, receive from (r-1) mod N: the forward's K/V.</summary>
    Forward = 0,

    /// <summary>Send to (r-1) mod N, receive from (r+1) mod N: the backward's K/V and dK/dV.</summary>
    Backward = 1,
}
