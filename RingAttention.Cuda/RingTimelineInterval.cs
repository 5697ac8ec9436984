using RingAttention.Backends;

namespace RingAttention.Cuda;

/// <summary>One interval of a ring call, from CUDA timing events.</summary>
/// <param name="Rank">The rank.</param>
/// <param name="Pass">"forward" or "backward".</param>
/// <param name="Step">The ring step (0-based) the interval belongs to.</param>
/// <param name="Kind">Compute or transfer.</param>
/// <param name="Channel">The transfer's channel (KeyValue for compute intervals).</param>
/// <param name="StartMicroseconds">Start, from the call's origin (rank 0's first event on a shared device).</param>
/// <param name="DurationMicroseconds">Length.</param>
public readonly record struct RingTimelineInterval(
    int Rank, string Pass, int Step, RingTimelineKind Kind, RingChannel Channel, double StartMicroseconds, double DurationMicroseconds);
