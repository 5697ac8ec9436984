using Microsoft.Extensions.Logging;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Cuda.Distributed;

/// <summary>How a process joins its job (<see cref="CudaProcessGroup.Join(ProcessGroupOptions?)"/>) and how long it waits for others.</summary>
public sealed class ProcessGroupOptions
{
    /// <summary>
    /// How long every rank may take to start, meet at the coordinator and form the NCCL communicator. A rank that has
    /// not joined by then is named in every other rank's error. Default 2 minutes.
    /// </summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long one <see cref="CudaProcessGroup.Synchronize"/> may wait for the GPU work of a call. Past it the rank
    /// stops the ring (aborting NCCL) and tells the others. Default 10 minutes, as PyTorch's NCCL process groups.
    /// </summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the watchdog reads NCCL's asynchronous error state and the coordinator's news. Default 20 ms.</summary>
    public TimeSpan WatchdogInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The coordinator's own timings (heartbeats, peer timeout); null takes its defaults with <see cref="JoinTimeout"/>.</summary>
    public CoordinatorOptions? Coordinator { get; init; }

    /// <summary>Where the group logs joining, failures and aborts; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
