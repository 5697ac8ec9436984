using Microsoft.Extensions.Logging;

namespace RingAttention.Cpu;

/// <summary>Settings of the CPU ring.</summary>
public sealed record CpuRingOptions
{
    /// <summary>How long a rank waits for a neighbour before the ring is declared stuck (default 2 minutes).</summary>
    public TimeSpan ExchangeTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Where ring steps are logged (at Trace); null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
