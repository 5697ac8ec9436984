using static System.FormattableString;

namespace RingAttention.Strategies;

/// <summary>
/// The all-to-all-then-ring layout (TE a2a+p2p, strategies.md §3): inner groups of Na consecutive ranks exchange
/// heads, then Np = N / Na rings run across the groups, each over the members with the same inner index (strided
/// ranks a, Na + a, 2Na + a, ...). Rank = p·Na + a.
/// </summary>
/// <remarks>
/// After the inner all-to-all the member holds the Na·L rows of its group in rank order; reordering them with the
/// dual-chunk sequence order of a ring of Na over Na·L rows (TE's before-attn ids with Na) gives small chunks
/// [pNa, (p+1)Na) and [2N-(p+1)Na, 2N-pNa): exactly chunks p and 2Np-1-p of a dual-chunk split over Np with chunk
/// Na·c. With no balancing the group's rows are already contiguous. So the inner ring solves
/// <see cref="SubProblem"/>: the same sequence, mask, window and balancing over Np ranks with the member's heads.
/// Striped is refused: its inner gather is not a striped shard over Np (RingProblem.Validate refuses it too).
/// </remarks>
internal sealed class HierarchicalLayout
{
    /// <summary>The layout of <paramref name="problem"/> with inner size <paramref name="allToAllSize"/>.</summary>
    public HierarchicalLayout(RingProblem problem, int allToAllSize)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (allToAllSize < 1 || problem.RingSize % allToAllSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(allToAllSize), allToAllSize,
                Invariant($"allToAllSize must divide RingSize ({problem.RingSize})."));
        }

        if (problem.Balance == LoadBalancing.Striped && allToAllSize > 1 && allToAllSize < problem.RingSize)
        {
            throw new NotSupportedException("All-to-all then ring keeps the ring's layout only for DualChunk or None balancing.");
        }

        Problem = problem;
        InnerSize = allToAllSize;
        Heads = new AllToAllPlan(allToAllSize, problem.LocalLength, problem.QueryHeads, problem.KeyValueHeads);
    }

    /// <summary>The whole problem over N ranks.</summary>
    public RingProblem Problem { get; }

    /// <summary>Na, the members of an inner all-to-all group.</summary>
    public int InnerSize { get; }

    /// <summary>Np = N / Na, the ranks of each inner ring.</summary>
    public int RingSize => Problem.RingSize / InnerSize;

    /// <summary>The inner all-to-all's head split (members are inner indices a).</summary>
    public AllToAllPlan Heads { get; }

    /// <summary>The group index p of <paramref name="rank"/>: its rank in the inner ring.</summary>
    public int GroupOf(int rank) => rank / InnerSize;

    /// <summary>The inner index a of <paramref name="rank"/>: its member index in the all-to-all, and which ring it joins.</summary>
    public int InnerIndexOf(int rank) => rank % InnerSize;

    /// <summary>The global ranks of <paramref name="rank"/>'s all-to-all group, in member order.</summary>
    public int[] AllToAllGroup(int rank) => Enumerable.Range(GroupOf(rank) * InnerSize, InnerSize).ToArray();

    /// <summary>The global ranks of <paramref name="rank"/>'s ring, in ring order (ring rank p at index p).</summary>
    public int[] RingGroup(int rank) => Enumerable.Range(0, RingSize).Select(p => (p * InnerSize) + InnerIndexOf(rank)).ToArray();

    /// <summary>
    /// The problem the inner ring solves: Np ranks, the member's Hq/Na query heads and its KV heads (Hkv/Na, or 1
    /// replicated), the same sequence, mask, window and balancing; local length Na·L.
    /// </summary>
    public RingProblem SubProblem => Problem with
    {
        RingSize = RingSize,
        QueryHeads = Heads.QueryHeadsPerMember,
        KeyValueHeads = Heads.KeyValueHeadsPerMember,
        Strategy = ContextParallelStrategy.Ring,
        AllToAllSize = 0,
    };

    /// <summary>
    /// The reorder after the inner all-to-all: element i is the row of the group's rank-order buffer (member a' rows
    /// at a'·L) that becomes row i of the inner ring's local shard; the inverse is applied before the all-to-all back.
    /// The group's rows put in the sequence order of a ring of Na: identity for None (and for any balancing with
    /// Na = 1), the dual-chunk order above, and for Striped with Na = N (the only striped case allowed, a ring of one)
    /// the whole sequence in order, which the sub-problem (striped over one rank) holds as rows 0..S-1.
    /// Packed documents are balanced one by one, so the same reorder applies inside each document's slot: member a'
    /// holds document d's P_d/N rows at PaddedOffsets[d]/N, the sub-shard its Na·P_d/N rows at PaddedOffsets[d]/Np.
    /// </summary>
    public int[] InnerOrder()
    {
        int local = Problem.LocalLength;
        if (Problem.Documents is not PackedDocuments documents)
        {
            return GatheredSequenceOrder.ToSequenceOrder(Problem.Balance, InnerSize, InnerSize * local);
        }

        int n = Problem.RingSize;
        var order = new int[InnerSize * local];
        for (int d = 0; d < documents.Count; d++)
        {
            int slot = documents.PaddedLengths[d] / n;
            int memberStart = documents.PaddedOffsets[d] / n;
            int subStart = documents.PaddedOffsets[d] / RingSize;
            int[] within = GatheredSequenceOrder.ToSequenceOrder(Problem.Balance, InnerSize, InnerSize * slot);
            for (int i = 0; i < within.Length; i++)
            {
                (int member, int row) = Math.DivRem(within[i], slot);
                order[subStart + i] = (member * local) + memberStart + row;
            }
        }

        return order;
    }
}
