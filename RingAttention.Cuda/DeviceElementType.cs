using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>Element type of a device tensor.</summary>
public enum DeviceElementType
{
    /// <summary>bfloat16 (8-bit exponent, 7-bit mantissa); an input/output type of the attention.</summary>
    BFloat16 = 0,

    /// <summary>IEEE float16; an input/output type of the attention.</summary>
    Float16 = 1,

    /// <summary>float32: the LSE and the accumulators.</summary>
    Float32 = 2,
}

/// <summary>Sizes and native codes of <see cref="DeviceElementType"/>.</summary>
public static class DeviceElementTypes
{
    /// <summary>Bytes per element: 2 for the half types, 4 for float32.</summary>
    public static int SizeOf(DeviceElementType type) => type switch
    {
        DeviceElementType.BFloat16 or DeviceElementType.Float16 => 2,
        DeviceElementType.Float32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type."),
    };

    /// <summary>True for the types the attention kernels take as inputs and outputs (bf16, fp16).</summary>
    public static bool IsAttentionType(DeviceElementType type) =>
        type is DeviceElementType.BFloat16 or DeviceElementType.Float16;

    /// <summary>The RINGATTN_DTYPE_* value.</summary>
    internal static int ToNative(DeviceElementType type) => type switch
    {
        DeviceElementType.BFloat16 => NativeConstants.RINGATTN_DTYPE_BF16,
        DeviceElementType.Float16 => NativeConstants.RINGATTN_DTYPE_FP16,
        DeviceElementType.Float32 => NativeConstants.RINGATTN_DTYPE_FP32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type."),
    };
}
