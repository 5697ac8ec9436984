using RingAttention.Strategies;
using RingAttention.Threading;

namespace RingAttention.Cpu;

/// <summary>
/// Every meeting point of one CPU plan: one <see cref="ThreadRingHub"/> per ring group and one
/// <see cref="ThreadCollectiveHub"/> per collective group, made at plan time when the first member asks. As one
/// <see cref="IRankFailureSignal"/> for <see cref="RankThreads"/>, a rank that throws fails every hub, so each other
/// rank stops at its next wait whichever group it is waiting in.
/// </summary>
/// <param name="size">Ranks in the job.</param>
/// <param name="timeout">How long one wait may last before the group is declared stuck.</param>
internal sealed class CpuGroupHubs(int size, TimeSpan timeout)
    : RankGroupHubs<ThreadRingHub, ThreadCollectiveHub>(size, g => new ThreadRingHub(g.Count, timeout), g => new ThreadCollectiveHub(g.Count, timeout))
{
    /// <summary>The ring hub of <paramref name="group"/>.</summary>
    public ThreadRingHub Ring(RankGroup group) => RingHub(group);

    /// <summary>The collective hub of <paramref name="group"/>.</summary>
    public ThreadCollectiveHub Collective(RankGroup group) => CollectiveHub(group);
}
