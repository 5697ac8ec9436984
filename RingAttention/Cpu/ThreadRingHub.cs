using RingAttention.Threading;

namespace RingAttention.Cpu;

/// <summary>
/// The meeting point of the CPU backend's N rank threads: a sender posts a reference to its float buffer, the
/// receiver copies it out and acknowledges, after which the sender may write that buffer again.
/// </summary>
internal sealed class ThreadRingHub : RankRendezvous<Memory<float>, bool>
{
    /// <summary>A hub for <paramref name="size"/> ranks whose waits give up after <paramref name="timeout"/>.</summary>
    public ThreadRingHub(int size, TimeSpan timeout)
        : base(size, timeout)
    {
    }
}
