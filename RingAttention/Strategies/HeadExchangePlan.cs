using RingAttention.Backends;

namespace RingAttention.Strategies;

/// <summary>Which kind of tensor a slot of a head exchange carries; it decides the frames and the heads per member.</summary>
internal enum ExchangedTensor
{
    /// <summary>Q, O, dO, dQ: Hq heads, Hq / Na per member.</summary>
    Query = 0,

    /// <summary>K, V, dK, dV: Hkv heads, Hkv / Na per member or one replicated head.</summary>
    KeyValue = 1,

    /// <summary>The fp32 LSE, [B, Hq, rows]: split like the query heads.</summary>
    Lse = 2,
}

/// <summary>
/// A run of a member's local rows inside the inner ring's sub-shard: segment rows [SegmentRow, SegmentRow + Count)
/// are sub rows SubRow + k·SubStep. None gives one run per member, DualChunk two, Striped (Na = N) one with step Na.
/// </summary>
/// <param name="SegmentRow">First local row of the member.</param>
/// <param name="SubRow">Its row in the sub-shard.</param>
/// <param name="Count">Rows in the run.</param>
/// <param name="SubStep">Distance between consecutive sub rows.</param>
internal readonly record struct RowRun(int SegmentRow, int SubRow, int Count, int SubStep);

/// <summary>The three frames of one exchanged tensor kind and the heads each member holds.</summary>
/// <param name="Local">The rank's sequence shard: L rows, every head.</param>
/// <param name="Sub">The inner ring's shard: Na·L rows, one member's heads.</param>
/// <param name="Segment">One block of the all-to-all: L rows, one member's heads.</param>
/// <param name="HeadsOf">Global heads of each member, indexed by member.</param>
internal sealed record ExchangeGeometry(TensorFrame Local, TensorFrame Sub, TensorFrame Segment, HeadRange[] HeadsOf);

/// <summary>
/// The geometry of the all-to-all around an inner ring (strategies.md §2 and §3), independent of any backend: which
/// heads go to which member, and where each member's rows land in the sub-problem's shard
/// (<see cref="HierarchicalLayout.InnerOrder"/>), as strided row runs so that every move is a few region copies.
/// </summary>
internal sealed class HeadExchangePlan
{
    private readonly ExchangeGeometry[] _geometry;

    /// <summary>The plan of <paramref name="problem"/> with inner groups of <paramref name="allToAllSize"/> ranks.</summary>
    public HeadExchangePlan(RingProblem problem, int allToAllSize)
    {
        ArgumentNullException.ThrowIfNull(problem);
        Layout = new HierarchicalLayout(problem, allToAllSize);
        AllToAllPlan heads = Layout.Heads;
        int members = allToAllSize;
        int local = problem.LocalLength;
        int rows = members * local;
        HeadRange[] queryHeads = Enumerable.Range(0, members).Select(heads.QueryHeads).ToArray();
        HeadRange[] keyValueHeads = Enumerable.Range(0, members).Select(heads.KeyValueHeads).ToArray();
        int hq = heads.QueryHeadsPerMember;
        int hkv = heads.KeyValueHeadsPerMember;
        _geometry =
        [
            new(TensorFrame.Attention(problem, local, problem.QueryHeads), TensorFrame.Attention(problem, rows, hq), TensorFrame.Attention(problem, local, hq), queryHeads),
            new(TensorFrame.Attention(problem, local, problem.KeyValueHeads), TensorFrame.Attention(problem, rows, hkv), TensorFrame.Attention(problem, local, hkv), keyValueHeads),
            new(TensorFrame.Lse(problem, local, problem.QueryHeads), TensorFrame.Lse(problem, rows, hq), TensorFrame.Lse(problem, local, hq), queryHeads),
        ];
        Runs = RunsOf(Layout.InnerOrder(), members, local);
        FirstGradientSource = Enumerable.Range(0, members)
            .Select(m => heads.GradientSources(keyValueHeads[m].Start)[0] == m)
            .ToArray();
    }

    /// <summary>The groups, rings and sub-problem.</summary>
    public HierarchicalLayout Layout { get; }

    /// <summary>Na.</summary>
    public int Members => Layout.InnerSize;

    /// <summary>Whether KV heads are replicated (Hkv &lt; Na): dK/dV then come back from several members and are summed.</summary>
    public bool Replicated => Layout.Heads.Replication > 1;

    /// <summary>The row runs of each member in the sub-shard, indexed by member.</summary>
    public RowRun[][] Runs { get; }

    /// <summary>Per member: whether it is the first of its KV head's replicas (its dK/dV is copied, the others added).</summary>
    public bool[] FirstGradientSource { get; }

    /// <summary>The frames and head split of one tensor kind.</summary>
    public ExchangeGeometry Geometry(ExchangedTensor tensor) => _geometry[(int)tensor];

    /// <summary>
    /// Splits each member's L rows into maximal runs whose sub rows step evenly: <paramref name="order"/>[i] is the group
    /// row (member a' at a'·L) that becomes sub row i.
    /// </summary>
    private static RowRun[][] RunsOf(int[] order, int members, int local)
    {
        var subRowOf = new int[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            subRowOf[order[i]] = i;
        }

        var runs = new RowRun[members][];
        for (int m = 0; m < members; m++)
        {
            var list = new List<RowRun>();
            int first = 0;
            while (first < local)
            {
                int start = subRowOf[(m * local) + first];
                int step = first + 1 < local ? subRowOf[(m * local) + first + 1] - start : 1;
                int count = 1;
                if (step >= 1)
                {
                    while (first + count < local && subRowOf[(m * local) + first + count] == start + (count * step))
                    {
                        count++;
                    }
                }
                else
                {
                    step = 1;
                }

                list.Add(new RowRun(first, start, count, step));
                first += count;
            }

            runs[m] = [.. list];
        }

        return runs;
    }
}
