using System.Globalization;
using Microsoft.Extensions.Logging;
using RingAttention.Cpu;

namespace RingAttention.Cli.Backends;

/// <summary>The library's CPU ring (<see cref="CpuRingAttention"/>): shards, runs N rank threads, gathers.</summary>
internal sealed class CpuAttentionBackend : IAttentionBackend
{
    private readonly CpuRingAttention _ring;

    /// <summary>Plans the ring; throws <see cref="ArgumentException"/> for an invalid problem.</summary>
    public CpuAttentionBackend(RingProblem problem, ILoggerFactory loggers)
    {
        _ring = new CpuRingAttention(problem, new CpuRingOptions { LoggerFactory = loggers });
        Description = string.Create(CultureInfo.InvariantCulture, $"cpu ({problem.RingSize} rank threads)");
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public AttentionOutput Forward(float[] query, float[] key, float[] value) =>
        _ring.ForwardFullSequence(query, key, value);

    /// <inheritdoc />
    public AttentionGradients Backward(float[] query, float[] key, float[] value, float[] output, float[] lse, float[] outputGradient) =>
        _ring.BackwardFullSequence(query, key, value, output, lse, outputGradient);

    /// <inheritdoc />
    public void Dispose() => _ring.Dispose();
}
