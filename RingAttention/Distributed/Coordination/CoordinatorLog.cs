using Microsoft.Extensions.Logging;

namespace RingAttention.Distributed.Coordination;

/// <summary>The coordinator's log lines: what an operator needs at Information, the handshake detail at Debug.</summary>
internal static partial class CoordinatorLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "rank {Rank} of {WorldSize} joined job {JobId} at {Coordinator}")]
    public static partial void Joined(ILogger logger, int rank, int worldSize, string jobId, string coordinator);

    [LoggerMessage(Level = LogLevel.Information, Message = "rank {Rank} saw a failure: {Failure}")]
    public static partial void FailureSeen(ILogger logger, int rank, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "coordinator {Coordinator}: job {JobId} formed with {WorldSize} ranks")]
    public static partial void Formed(ILogger logger, string coordinator, string jobId, int worldSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "coordinator {Coordinator}: job {JobId} could not form: {Reason}")]
    public static partial void FormingFailed(ILogger logger, string coordinator, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "coordinator {Coordinator}: job {JobId} failed: {Failure}")]
    public static partial void JobFailed(ILogger logger, string coordinator, string jobId, string failure);

    [LoggerMessage(Level = LogLevel.Debug, Message = "coordinator {Coordinator}: a later failure, not relayed: {Failure}")]
    public static partial void LaterFailure(ILogger logger, string coordinator, string failure);

    [LoggerMessage(Level = LogLevel.Debug, Message = "coordinator {Coordinator}: {Peer} checked in as rank {Rank} of {WorldSize}")]
    public static partial void CheckedIn(ILogger logger, string coordinator, string peer, int rank, int worldSize);

    [LoggerMessage(Level = LogLevel.Debug, Message = "coordinator {Coordinator}: refused {Peer}: {Reason}")]
    public static partial void Refused(ILogger logger, string coordinator, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "coordinator {Coordinator}: dropped stranger {Peer}: {Reason}")]
    public static partial void StrangerDropped(ILogger logger, string coordinator, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "coordinator {Coordinator}: rank {Rank} left")]
    public static partial void Left(ILogger logger, string coordinator, int rank);
}
