using RingAttention.Backends;

namespace RingAttention.Strategies;

/// <summary>
/// One all-to-all of a head-exchange pass: a few tensors (slots) travel together, each block of the exchange holding
/// one member's share of every slot. Sequence to heads: <see cref="PackLocal"/> each slot, <see cref="Exchange"/>,
/// <see cref="UnpackToSub"/>; heads to sequence: <see cref="PackSub"/>, <see cref="Exchange"/>,
/// <see cref="UnpackToLocal"/>. Every view is made at plan time, so a pass is region copies and one collective.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal sealed class HeadExchange<TTensor>
{
    private readonly HeadExchangePlan _plan;
    private readonly ExchangeGeometry[] _slots;
    private readonly IRegionOps<TTensor> _regions;
    private readonly ICollectiveTransport<TTensor> _collectives;
    private readonly TTensor _send;
    private readonly TTensor _receive;
    private readonly TTensor[][] _sendSegments;    // [member][slot]
    private readonly TTensor[][] _receiveSegments; // [member][slot]

    /// <summary>
    /// An exchange of <paramref name="slots"/> in the front of <paramref name="sendBuffer"/> and
    /// <paramref name="receiveBuffer"/> (which may be larger, to be shared between exchanges).
    /// </summary>
    public HeadExchange(
        HeadExchangePlan plan,
        ExchangedTensor[] slots,
        TTensor sendBuffer,
        TTensor receiveBuffer,
        IRegionOps<TTensor> regions,
        ICollectiveTransport<TTensor> collectives)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(collectives);
        _plan = plan;
        _slots = slots.Select(plan.Geometry).ToArray();
        _regions = regions;
        _collectives = collectives;
        long block = BlockElements(plan, slots);
        int members = plan.Members;
        _send = regions.Slice(sendBuffer, 0, members * block);
        _receive = regions.Slice(receiveBuffer, 0, members * block);
        _sendSegments = new TTensor[members][];
        _receiveSegments = new TTensor[members][];
        for (int m = 0; m < members; m++)
        {
            _sendSegments[m] = new TTensor[slots.Length];
            _receiveSegments[m] = new TTensor[slots.Length];
            long offset = m * block;
            for (int s = 0; s < slots.Length; s++)
            {
                long count = _slots[s].Segment.ElementCount;
                _sendSegments[m][s] = regions.Slice(sendBuffer, offset, count);
                _receiveSegments[m][s] = regions.Slice(receiveBuffer, offset, count);
                offset += count;
            }
        }
    }

    /// <summary>Elements of one member's block for <paramref name="slots"/> (a send or receive buffer holds Na of them).</summary>
    public static long BlockElements(HeadExchangePlan plan, ExchangedTensor[] slots)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(slots);
        return slots.Sum(s => plan.Geometry(s).Segment.ElementCount);
    }

    /// <summary>The all-to-all itself: block j of the send goes to member j.</summary>
    public void Exchange() => _collectives.AllToAll(_send, _receive);

    /// <summary>Sequence to heads, before the exchange: each member's heads of the rank's rows into its block.</summary>
    public void PackLocal(int slot, TTensor local)
    {
        ExchangeGeometry g = _slots[slot];
        for (int m = 0; m < _plan.Members; m++)
        {
            HeadRange heads = g.HeadsOf[m];
            _regions.Copy(local, new TensorRegion(g.Local, 0, g.Local.Length, 1, heads.Start, heads.Count), _sendSegments[m][slot], g.Segment.All);
        }
    }

    /// <summary>Sequence to heads, after the exchange: every member's rows of this rank's heads into their sub-shard rows.</summary>
    public void UnpackToSub(int slot, TTensor sub)
    {
        ExchangeGeometry g = _slots[slot];
        for (int m = 0; m < _plan.Members; m++)
        {
            foreach (RowRun run in _plan.Runs[m])
            {
                _regions.Copy(_receiveSegments[m][slot], TensorRegion.Rows(g.Segment, run.SegmentRow, run.Count), sub, SubRegion(g, run));
            }
        }
    }

    /// <summary>Heads to sequence, before the exchange: each member's rows of this rank's heads out of the sub-shard.</summary>
    public void PackSub(int slot, TTensor sub)
    {
        ExchangeGeometry g = _slots[slot];
        for (int m = 0; m < _plan.Members; m++)
        {
            foreach (RowRun run in _plan.Runs[m])
            {
                _regions.Copy(sub, SubRegion(g, run), _sendSegments[m][slot], TensorRegion.Rows(g.Segment, run.SegmentRow, run.Count));
            }
        }
    }

    /// <summary>Heads to sequence, after the exchange: each member's heads of the rank's rows into the rank's tensor.</summary>
    public void UnpackToLocal(int slot, TTensor local)
    {
        ExchangeGeometry g = _slots[slot];
        for (int m = 0; m < _plan.Members; m++)
        {
            _regions.Copy(_receiveSegments[m][slot], g.Segment.All, local, LocalHeads(g, m));
        }
    }

    /// <summary>
    /// Heads to sequence for replicated KV heads: the replicas' gradients are summed in the fp32
    /// <paramref name="accumulator"/> (shaped like the local tensor), then cast into <paramref name="local"/>.
    /// </summary>
    public void UnpackToLocalSummed(int slot, TTensor accumulator, TTensor local)
    {
        ExchangeGeometry g = _slots[slot];
        for (int m = 0; m < _plan.Members; m++)
        {
            TensorRegion heads = LocalHeads(g, m);
            if (_plan.FirstGradientSource[m])
            {
                _regions.Copy(_receiveSegments[m][slot], g.Segment.All, accumulator, heads);
            }
            else
            {
                _regions.Accumulate(accumulator, heads, _receiveSegments[m][slot], g.Segment.All);
            }
        }

        _regions.Copy(accumulator, g.Local.All, local, g.Local.All);
    }

    private static TensorRegion SubRegion(ExchangeGeometry g, in RowRun run) =>
        new(g.Sub, run.SubRow, run.Count, run.SubStep, 0, g.Sub.Heads);

    private static TensorRegion LocalHeads(ExchangeGeometry g, int member) =>
        new(g.Local, 0, g.Local.Length, 1, g.HeadsOf[member].Start, g.HeadsOf[member].Count);
}
