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
    /// The RINGATTN_MASK_* and window bounds of a ring step's band. The full block and top-left causal keep the plain
    /// masks with zero bounds (the descriptors, and so the cached graphs, of every unwindowed step); any other band is
    /// RINGATTN_MASK_BAND, a null side as -1 (unbounded). A causal block is top-left aligned: its query and key rows
    /// start at the same token.
    /// </summary>
    public static (int Mask, long Left, long Right) Mask(BlockBand band) =>
        band == BlockBand.None ? (NativeConstants.RINGATTN_MASK_NONE, 0, 0)
        : band == BlockBand.Causal ? (NativeConstants.RINGATTN_MASK_CAUSAL_TOP_LEFT, 0, 0)
        : (NativeConstants.RINGATTN_MASK_BAND, band.Left ?? -1, band.Right ?? -1);

    /// <summary>The RINGATTN_RING_* of <paramref name="direction"/>.</summary>
    public static int Direction(RingDirection direction) => direction switch
    {
        RingDirection.Forward => NativeConstants.RINGATTN_RING_FORWARD,
        RingDirection.Backward => NativeConstants.RINGATTN_RING_BACKWARD,
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown ring direction."),
    };
}
