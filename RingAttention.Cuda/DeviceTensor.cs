using System.Globalization;

namespace RingAttention.Cuda;

/// <summary>
/// The GPU ring's tensor handle: a device pointer, its length in bytes and its element type. A plain value, so the
/// ring passes it without allocating; it owns nothing (see <see cref="DeviceBuffer"/> for owned memory).
/// </summary>
/// <param name="Pointer">Device address of the first element (16-byte aligned for the attention kernels).</param>
/// <param name="Bytes">Length in bytes.</param>
/// <param name="ElementType">Element type.</param>
public readonly record struct DeviceTensor(nint Pointer, long Bytes, DeviceElementType ElementType)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Bytes / DeviceElementTypes.SizeOf(ElementType);

    /// <summary>True when the tensor points nowhere.</summary>
    public bool IsNull => Pointer == 0;

    /// <summary>The address <paramref name="elements"/> elements after <see cref="Pointer"/>.</summary>
    public nint ElementAddress(long elements) => checked(Pointer + (nint)(elements * DeviceElementTypes.SizeOf(ElementType)));

    /// <summary>A view of <paramref name="count"/> elements starting <paramref name="start"/> elements in.</summary>
    public DeviceTensor Slice(long start, long count)
    {
        if (start < 0 || count < 0 || start + count > ElementCount)
        {
            throw new ArgumentOutOfRangeException(nameof(start), string.Create(CultureInfo.InvariantCulture,
                $"[{start}, {start + count}) does not fit a tensor of {ElementCount} elements."));
        }

        return new DeviceTensor(ElementAddress(start), count * DeviceElementTypes.SizeOf(ElementType), ElementType);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"0x{Pointer:x} ({Bytes} B, {ElementType})");
}
