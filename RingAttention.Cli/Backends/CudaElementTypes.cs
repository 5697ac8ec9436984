using RingAttention.Cuda;

namespace RingAttention.Cli.Backends;

/// <summary>Between the --dtype values the GPU computes in and the library's <see cref="DeviceElementType"/>.</summary>
internal static class CudaElementTypes
{
    /// <summary>The device type of a --dtype the GPU computes in.</summary>
    public static DeviceElementType ToDeviceType(ElementPrecision precision) => precision switch
    {
        ElementPrecision.BFloat16 => DeviceElementType.BFloat16,
        ElementPrecision.Float16 => DeviceElementType.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "The cuda backend computes in bf16 or fp16."),
    };

    /// <summary>The --dtype of a plan's element type, for its description.</summary>
    public static ElementPrecision ToPrecision(DeviceElementType type) => type switch
    {
        DeviceElementType.BFloat16 => ElementPrecision.BFloat16,
        DeviceElementType.Float16 => ElementPrecision.Float16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "The cuda backend computes in bf16 or fp16."),
    };
}
