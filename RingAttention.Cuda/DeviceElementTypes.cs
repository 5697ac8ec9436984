namespace RingAttention.Cuda;

/// <summary>Sizes of <see cref="DeviceElementType"/>.</summary>
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
}
