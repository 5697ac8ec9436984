namespace RingAttention.Distributed.Coordination;

/// <summary>What becomes of a rank's check-in.</summary>
internal enum CheckInOutcome
{
    /// <summary>The rank has its place.</summary>
    Accepted,

    /// <summary>Only this connection is turned away (another job, another protocol version); the job still forms.</summary>
    Refused,

    /// <summary>The check-in shows the ranks were launched inconsistently; the job cannot form and every rank is told.</summary>
    FailsJob,
}

/// <summary>The outcome of a check-in and, unless accepted, why, for people.</summary>
internal readonly record struct CheckInVerdict(CheckInOutcome Outcome, string Message)
{
    /// <summary>The rank has its place.</summary>
    public static CheckInVerdict Accepted { get; } = new(CheckInOutcome.Accepted, string.Empty);
}
