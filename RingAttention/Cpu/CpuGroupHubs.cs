using RingAttention.Strategies;
using RingAttention.Threading;

namespace RingAttention.Cpu;

/// <summary>
/// Every meeting point of one CPU plan: one <see cref="ThreadRingHub"/> per ring group and one
/// <see cref="ThreadCollectiveHub"/> per collective group, made at plan time when the first member asks. As one
/// <see cref="IRankFailureSignal"/> for <see cref="RankThreads"/>, a rank that throws fails every hub, so each other
/// rank stops at its next wait whichever group it is waiting in.
/// </summary>
internal sealed class CpuGroupHubs : IRankFailureSignal, IDisposable
{
    private readonly Dictionary<RankGroup, ThreadRingHub> _rings = [];
    private readonly Dictionary<RankGroup, ThreadCollectiveHub> _collectives = [];
    private readonly List<IRankFailureSignal> _all = [];
    private readonly TimeSpan _timeout;

    /// <summary>Hubs for a job of <paramref name="size"/> ranks whose waits give up after <paramref name="timeout"/>.</summary>
    public CpuGroupHubs(int size, TimeSpan timeout)
    {
        Size = size;
        _timeout = timeout;
    }

    /// <inheritdoc />
    public int Size { get; }

    /// <summary>The ring hub of <paramref name="group"/> (plan time only: not thread-safe).</summary>
    public ThreadRingHub Ring(RankGroup group) => GetOrAdd(_rings, group, g => new ThreadRingHub(g.Count, _timeout));

    /// <summary>The collective hub of <paramref name="group"/> (plan time only: not thread-safe).</summary>
    public ThreadCollectiveHub Collective(RankGroup group) => GetOrAdd(_collectives, group, g => new ThreadCollectiveHub(g.Count, _timeout));

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
        foreach (ThreadRingHub hub in _rings.Values)
        {
            hub.Dispose();
        }

        foreach (ThreadCollectiveHub hub in _collectives.Values)
        {
            hub.Dispose();
        }
    }

    private THub GetOrAdd<THub>(Dictionary<RankGroup, THub> hubs, RankGroup group, Func<RankGroup, THub> create)
        where THub : IRankFailureSignal
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
