using RingAttention.Backends;

namespace RingAttention.Threading;

/// <summary>Who a rank sends to in each direction.</summary>
internal static class RingNeighbours
{
    /// <summary>(r + 1) mod N forward, (r - 1) mod N backward.</summary>
    public static int Target(int rank, int size, RingDirection direction) =>
        direction == RingDirection.Forward ? (rank + 1) % size : (rank - 1 + size) % size;
}
