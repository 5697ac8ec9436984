using Microsoft.Extensions.Logging;

namespace RingAttention.Cuda;

/// <summary>Settings of a GPU ring plan.</summary>
public sealed record CudaRingOptions
{
    /// <summary>The CUDA device of the virtual ranks (ignored by an NCCL rank, which uses its communicator's device).</summary>
    public int Device { get; init; }

    /// <summary>How long a virtual rank waits for a neighbour on the host before the ring is declared stuck (default 2 minutes).</summary>
    public TimeSpan ExchangeTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Where the plan logs: ring steps at Trace, plan sizes and timelines at Debug; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Records CUDA timing events around each step's attention and each exchange (read with ReadTimeline).</summary>
    public bool RecordTimeline { get; init; }

    /// <summary>A cuDNN context to share (its graph cache) with other plans; null makes one the plan owns.</summary>
    public CudaAttentionContext? Context { get; init; }
}
