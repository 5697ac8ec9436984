using System.Globalization;

namespace RingAttention.Threading;

/// <summary>The argument check every member's side of a rank hub makes of its rank.</summary>
internal static class RankMember
{
    /// <summary>Returns <paramref name="rank"/> when it lies in [0, <paramref name="size"/>); throws otherwise.</summary>
    public static int Check(int rank, int size)
    {
        if ((uint)rank >= (uint)size)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, string.Create(CultureInfo.InvariantCulture, $"rank must lie in [0, {size}), got {rank}."));
        }

        return rank;
    }
}
