using RingAttention.Backends;
using RingAttention.Interop;

namespace RingAttention.Cuda.Device;

/// <summary>
/// The managed enums as the shim's C codes (RINGATTN_DTYPE_*, RINGATTN_MASK_*, RINGATTN_RING_*): the one place where the
/// GPU backend turns a type it reasons with into the int the C ABI takes, so that no other code handles raw codes.
/// </summary>
internal static class NativeCodes
{
    /// <summary>The RINGATTN_DTYPE_* of <paramref name="type"/>.</summary>
    public static int DataType(DeviceElementType type) => type switch
    {
        DeviceElementType.BFloat16 => NativeConstants.RINGATTN_DTYPE_BF16,
        DeviceElementType.Float16 => NativeConstants.RINGATTN_DTYPE_FP16,
        DeviceElementType.Float32 => NativeConstants.RINGATTN_DTYPE_FP32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type."),
    };

    /// <summary>
    /// The RINGATTN_MASK_* of a ring step's block mask. A causal block is top-left aligned: its query and key rows start
    /// at the same token (the diagonal block of a rank, or a whole sequence).
    /// </summary>
    public static int Mask(BlockMask mask) => mask switch
    {
        BlockMask.None => NativeConstants.RINGATTN_MASK_NONE,
        BlockMask.Causal => NativeConstants.RINGATTN_MASK_CAUSAL_TOP_LEFT,
        _ => throw new ArgumentOutOfRangeException(nameof(mask), mask, "Unknown block mask."),
    };

    /// <summary>The RINGATTN_RING_* of <paramref name="direction"/>.</summary>
    public static int Direction(RingDirection direction) => direction switch
    {
        RingDirection.Forward => NativeConstants.RINGATTN_RING_FORWARD,
        RingDirection.Backward => NativeConstants.RINGATTN_RING_BACKWARD,
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown ring direction."),
    };
}
