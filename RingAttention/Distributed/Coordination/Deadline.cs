using System.Diagnostics;

namespace RingAttention.Distributed.Coordination;

/// <summary>A point on the monotonic clock: waits are measured against it, so a clock change cannot stretch or cut them.</summary>
internal readonly struct Deadline
{
    private readonly long _timestamp;

    private Deadline(long timestamp) => _timestamp = timestamp;

    /// <summary>The deadline <paramref name="span"/> from now.</summary>
    public static Deadline In(TimeSpan span) => new(Stopwatch.GetTimestamp() + (long)(span.TotalSeconds * Stopwatch.Frequency));

    /// <summary>Time left, never negative.</summary>
    public TimeSpan Remaining
    {
        get
        {
            TimeSpan left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _timestamp);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>True once the deadline is reached.</summary>
    public bool HasPassed => Stopwatch.GetTimestamp() >= _timestamp;

    /// <summary>The earlier of this deadline and one <paramref name="span"/> from now.</summary>
    public TimeSpan RemainingAtMost(TimeSpan span) => Remaining < span ? Remaining : span;
}
