using static System.FormattableString;

namespace RingAttention.Strategies;

/// <summary>
/// The global ranks of one communication group, an arithmetic progression: the whole job (0, N, 1), an inner
/// all-to-all group (p·Na, Na, 1) or a strided ring (a, N/Na, Na). A value, so a backend can key one hub or
/// communicator per group and every member asks for the same one.
/// </summary>
/// <param name="First">Global rank of member 0.</param>
/// <param name="Count">Members.</param>
/// <param name="Stride">Global distance between consecutive members.</param>
internal readonly record struct RankGroup(int First, int Count, int Stride)
{
    /// <summary>Every rank of a job of <paramref name="ranks"/> ranks.</summary>
    public static RankGroup All(int ranks) => new(0, ranks, 1);

    /// <summary>The global rank of member <paramref name="member"/>.</summary>
    public int RankOf(int member) => First + (member * Stride);

    /// <summary>The member index of global rank <paramref name="rank"/>; throws when it is not in the group.</summary>
    public int MemberOf(int rank)
    {
        int offset = rank - First;
        if (offset < 0 || offset % Stride != 0 || offset / Stride >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, Invariant($"Rank {rank} is not in {this}."));
        }

        return offset / Stride;
    }

    /// <inheritdoc />
    public override string ToString() => Invariant($"group(first {First}, {Count} members, stride {Stride})");
}
