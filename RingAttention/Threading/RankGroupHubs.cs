using RingAttention.Strategies;

namespace RingAttention.Threading;

/// <summary>
/// Every meeting point of one plan: one ring hub per ring group and one collective hub per collective group, made
/// when the first member asks. As one <see cref="IRankFailureSignal"/>, a rank that throws fails every hub, so each
/// other rank stops at its next wait whichever group it is waiting in.
/// </summary>
/// <typeparam name="TRing">The hub of a ring group.</typeparam>
/// <typeparam name="TCollective">The hub of a collective group.</typeparam>
internal class RankGroupHubs<TRing, TCollective> : IRankFailureSignal, IDisposable
    where TRing : IRankFailureSignal, IDisposable
    where TCollective : IRankFailureSignal, IDisposable
{
    private readonly Dictionary<RankGroup, TRing> _rings = [];
    private readonly Dictionary<RankGroup, TCollective> _collectives = [];
    private readonly List<IRankFailureSignal> _all = [];
    private readonly Lock _gate = new();
    private readonly Func<RankGroup, TRing> _newRing;
    private readonly Func<RankGroup, TCollective> _newCollective;

    /// <summary>Hubs for a job of <paramref name="size"/> ranks, each made by <paramref name="newRing"/> or <paramref name="newCollective"/>.</summary>
    protected RankGroupHubs(int size, Func<RankGroup, TRing> newRing, Func<RankGroup, TCollective> newCollective)
    {
        Size = size;
        _newRing = newRing;
        _newCollective = newCollective;
    }

    /// <inheritdoc />
    public int Size { get; }

    /// <summary>The ring hub of <paramref name="group"/>, made on first use.</summary>
    public TRing RingHub(RankGroup group) => GetOrAdd(_rings, group, _newRing);

    /// <summary>The collective hub of <paramref name="group"/>, made on first use.</summary>
    public TCollective CollectiveHub(RankGroup group) => GetOrAdd(_collectives, group, _newCollective);

    /// <inheritdoc />
    public void Fail()
    {
        foreach (IRankFailureSignal hub in _all)
        {
            hub.Fail();
        }
    }

    /// <inheritdoc />
    public void Reset()
    {
        foreach (IRankFailureSignal hub in _all)
        {
            hub.Reset();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes every hub made.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        foreach (IRankFailureSignal hub in _all)
        {
            ((IDisposable)hub).Dispose();
        }
    }

    private THub GetOrAdd<THub>(Dictionary<RankGroup, THub> hubs, RankGroup group, Func<RankGroup, THub> create)
        where THub : IRankFailureSignal
    {
        lock (_gate)
        {
            if (!hubs.TryGetValue(group, out THub? hub))
            {
                hub = create(group);
                hubs.Add(group, hub);
                _all.Add(hub);
            }

            return hub;
        }
    }
}
