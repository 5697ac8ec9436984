namespace RingAttention.Distributed.Coordination;

/// <summary>What a frame of the coordinator protocol says; the byte after the frame's length.</summary>
internal enum FrameKind : byte
{
    /// <summary>Rank to coordinator, once, right after the magic: protocol version, job id, rank, world size, fingerprint.</summary>
    Hello = 1,

    /// <summary>Coordinator to every rank once all checked in and agree: rank 0's payload.</summary>
    Welcome = 2,

    /// <summary>Coordinator to a rank that cannot take part (or to all, when the job cannot form): why, for people.</summary>
    Rejected = 3,

    /// <summary>Either way, every heartbeat interval: "still here".</summary>
    Heartbeat = 4,

    /// <summary>Rank to coordinator: this rank failed, and why.</summary>
    ReportFailure = 5,

    /// <summary>Coordinator to every rank: the job's first failure (rank, kind, message).</summary>
    Failure = 6,

    /// <summary>Rank to coordinator: a clean end; the disconnect that follows is not a failure.</summary>
    Leave = 7,

    /// <summary>Coordinator to a leaving rank: the leave was seen, close now.</summary>
    LeaveAck = 8,
}
