using RingAttention.Threading;

namespace RingAttention.Cpu;

/// <summary>Runs one body per rank on N threads, once: for ad-hoc rings (see <see cref="RankThreads"/> to keep them).</summary>
internal static class ThreadedRing
{
    /// <summary>
    /// Runs <paramref name="rankBody"/> for ranks 0..N-1 concurrently, one thread each; a rank that throws fails
    /// the whole ring with a <see cref="RingFailedException"/> carrying its exception (see <see cref="RankThreads.Run"/>).
    /// </summary>
    public static void Run(IRankFailureSignal hub, Action<int> rankBody)
    {
        using var threads = new RankThreads(hub);
        threads.Run(rankBody);
    }
}
