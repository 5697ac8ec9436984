using static System.FormattableString;

namespace RingAttention.Strategies;

/// <summary>
/// The head split of an all-to-all (Ulysses) group of n members: member j attends over the whole sequence for
/// query heads [j·Hq/n, (j+1)·Hq/n) and the KV heads those need. When Hkv does not divide by n but n does by Hkv,
/// each KV head is replicated n/Hkv times before the exchange (verl / prime-rl, strategies.md §2.2): member j gets KV
/// head ⌊j·Hkv/n⌋, which is the GQA head of all its query heads. The backward sums dK/dV over the replicas.
/// LSE never moves: it is produced and consumed in the head-sharded layout ([B, Hq/n, S]).
/// </summary>
internal sealed class AllToAllPlan
{
    /// <summary>A plan for a group of <paramref name="groupSize"/> members, L local rows each.</summary>
    public AllToAllPlan(int groupSize, int localLength, int queryHeads, int keyValueHeads)
    {
        if (groupSize < 1 || localLength < 1 || queryHeads < 1 || keyValueHeads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(groupSize), Invariant(
                $"All sizes must be positive: group {groupSize}, L {localLength}, Hq {queryHeads}, Hkv {keyValueHeads}."));
        }

        if (queryHeads % keyValueHeads != 0 || queryHeads % groupSize != 0
            || (keyValueHeads % groupSize != 0 && groupSize % keyValueHeads != 0))
        {
            throw new ArgumentException(Invariant(
                $"All-to-all over {groupSize} members needs Hq ({queryHeads}) divisible by Hkv ({keyValueHeads}) and by {groupSize}, and Hkv dividing or divisible by {groupSize}."),
                nameof(keyValueHeads));
        }

        GroupSize = groupSize;
        LocalLength = localLength;
        QueryHeadCount = queryHeads;
        KeyValueHeadCount = keyValueHeads;
        Replication = keyValueHeads % groupSize == 0 ? 1 : groupSize / keyValueHeads;
    }

    /// <summary>n, the members of the group.</summary>
    public int GroupSize { get; }

    /// <summary>L, the local rows of every member.</summary>
    public int LocalLength { get; }

    /// <summary>Hq.</summary>
    public int QueryHeadCount { get; }

    /// <summary>Hkv.</summary>
    public int KeyValueHeadCount { get; }

    /// <summary>How many members hold each KV head after the scatter: 1, or n / Hkv when Hkv &lt; n.</summary>
    public int Replication { get; }

    /// <summary>Query heads per member, Hq / n.</summary>
    public int QueryHeadsPerMember => QueryHeadCount / GroupSize;

    /// <summary>KV heads per member: Hkv / n, or 1 when replicated.</summary>
    public int KeyValueHeadsPerMember => Replication == 1 ? KeyValueHeadCount / GroupSize : 1;

    /// <summary>The query heads member <paramref name="member"/> attends for.</summary>
    public HeadRange QueryHeads(int member)
    {
        CheckMember(member);
        return new HeadRange(member * QueryHeadsPerMember, QueryHeadsPerMember);
    }

    /// <summary>The KV heads member <paramref name="member"/> holds after the scatter.</summary>
    public HeadRange KeyValueHeads(int member)
    {
        CheckMember(member);
        return Replication == 1
            ? new HeadRange(member * KeyValueHeadsPerMember, KeyValueHeadsPerMember)
            : new HeadRange((int)((long)member * KeyValueHeadCount / GroupSize), 1);
    }

    /// <summary>
    /// The blocks <paramref name="member"/> exchanges for a query-like tensor (Q, O, dO, dQ): one per peer, the peer's
    /// query heads out of the member's rows going out, and the peer's rows of the member's heads coming in.
    /// </summary>
    public IReadOnlyList<AllToAllBlock> QueryBlocks(int member) => Blocks(member, QueryHeads);

    /// <summary>The same for K, V, dK, dV: a replicated KV head goes to every member that holds it.</summary>
    public IReadOnlyList<AllToAllBlock> KeyValueBlocks(int member) => Blocks(member, KeyValueHeads);

    /// <summary>
    /// The members whose dK/dV for KV head <paramref name="head"/> come back to the sequence shards and must be summed
    /// there (the gradient of the replication); one member when there is no replication.
    /// </summary>
    public IReadOnlyList<int> GradientSources(int head)
    {
        if ((uint)head >= (uint)KeyValueHeadCount)
        {
            throw new ArgumentOutOfRangeException(nameof(head), head, Invariant($"head must lie in [0, {KeyValueHeadCount})."));
        }

        var sources = new List<int>(Replication);
        for (int j = 0; j < GroupSize; j++)
        {
            if (KeyValueHeads(j).Contains(head))
            {
                sources.Add(j);
            }
        }

        return sources;
    }

    private List<AllToAllBlock> Blocks(int member, Func<int, HeadRange> headsOf)
    {
        CheckMember(member);
        var blocks = new List<AllToAllBlock>(GroupSize);
        for (int peer = 0; peer < GroupSize; peer++)
        {
            blocks.Add(new AllToAllBlock(peer, new RowRange(peer * LocalLength, LocalLength), headsOf(peer)));
        }

        return blocks;
    }

    private void CheckMember(int member)
    {
        if ((uint)member >= (uint)GroupSize)
        {
            throw new ArgumentOutOfRangeException(nameof(member), member, Invariant($"member must lie in [0, {GroupSize})."));
        }
    }
}
