using System.Globalization;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Commands;
using RingAttention.Cuda;

namespace RingAttention.Cli.Backends;

/// <summary>
/// The GPU ring (<see cref="CudaRingAttention"/>): N virtual ranks on one GPU, each with its own streams and buffers,
/// exchanging K/V by device copies. Inputs are rounded to bf16 or fp16 on upload; O and the gradients come back
/// decoded to float32, LSE as float32.
/// </summary>
internal sealed class CudaAttentionBackend : IAttentionBackend
{
    private readonly CudaRingAttention _ring;

    /// <summary>
    /// Plans the ring on <paramref name="device"/>; throws <see cref="ArgumentException"/> for an invalid problem or
    /// one cuDNN cannot run (HeadDim not a multiple of 8 or above 256). <paramref name="context"/> shares a cuDNN graph
    /// cache between plans (the demo's rows); null gives the plan its own.
    /// </summary>
    public CudaAttentionBackend(RingProblem problem, ElementPrecision precision, ILoggerFactory loggers, int device = 0, CudaAttentionContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ElementType = ToDeviceType(precision);
        _ring = new CudaRingAttention(problem, ElementType, new CudaRingOptions { Device = device, LoggerFactory = loggers, Context = context });
        Description = string.Create(CultureInfo.InvariantCulture, $"cuda {CliChoices.NameOf(CliChoices.Dtypes, precision)} ({problem.RingSize} virtual ranks on GPU {device})");
    }

    /// <summary>The element type of the tensors on the GPU.</summary>
    public DeviceElementType ElementType { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The device type of a --dtype the GPU computes in.</summary>
    public static DeviceElementType ToDeviceType(ElementPrecision precision) => precision switch
    {
        ElementPrecision.BFloat16 => DeviceElementType.BFloat16,
        ElementPrecision.Float16 => DeviceElementType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "The cuda backend computes in bf16 or fp16."),
    };

    /// <inheritdoc />
    public AttentionOutput Forward(float[] query, float[] key, float[] value) =>
        _ring.ForwardFullSequence(query, key, value);

    /// <inheritdoc />
    public AttentionGradients Backward(float[] query, float[] key, float[] value, float[] output, float[] lse, float[] outputGradient) =>
        _ring.BackwardFullSequence(query, key, value, output, lse, outputGradient);

    /// <inheritdoc />
    public void Dispose() => _ring.Dispose();
}
