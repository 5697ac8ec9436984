using System.Globalization;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// Device memory owned by .NET: allocated with cudaMalloc (through the shim) on the given device and freed on
/// <see cref="Dispose"/> or, failing that, by the finalizer of its safe handle.
/// </summary>
public sealed unsafe class DeviceBuffer : IDisposable
{
    private readonly SafeCudaMemoryHandle _memory;

    private DeviceBuffer(SafeCudaMemoryHandle memory, long bytes, DeviceElementType elementType, int device)
    {
        _memory = memory;
        Bytes = bytes;
        ElementType = elementType;
        Device = device;
    }

    /// <summary>Size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The element type <see cref="Tensor"/> reports.</summary>
    public DeviceElementType ElementType { get; }

    /// <summary>The CUDA device the memory lives on.</summary>
    public int Device { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Bytes / DeviceElementTypes.SizeOf(ElementType);

    /// <summary>The device address (0 for a 0-byte buffer).</summary>
    public nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_memory.IsClosed, this);
            return _memory.DangerousGetHandle();
        }
    }

    /// <summary>The whole buffer as a ring tensor.</summary>
    public DeviceTensor Tensor => new(Pointer, Bytes, ElementType);

    /// <summary>Allocates <paramref name="elements"/> elements of <paramref name="elementType"/> on <paramref name="device"/>.</summary>
    public static DeviceBuffer Allocate(long elements, DeviceElementType elementType, int device = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        long bytes = checked(elements * DeviceElementTypes.SizeOf(elementType));
        using var scope = new DeviceScope(device);

        // Round up to 256 bytes so that views never reach past an allocation (cudaMalloc aligns to 256 anyway).
        SafeCudaMemoryHandle memory = SafeCudaMemoryHandle.AllocateDevice((nuint)((bytes + 255) / 256 * 256));
        return new DeviceBuffer(memory, bytes, elementType, device);
    }

    /// <summary>Copies host data in and waits for the copy (convenience for tests and tools, not for the hot path).</summary>
    public void Upload<T>(ReadOnlySpan<T> source)
        where T : unmanaged
    {
        long bytes = (long)source.Length * sizeof(T);
        CheckLength(bytes);
        using SafeCudaStreamHandle stream = NewStreamOnDevice();
        fixed (T* data = source)
        {
            CudaCalls.CopyHostToDevice(Pointer, data, bytes, stream);
            CudaCalls.Synchronize(stream);
        }
    }

    /// <summary>Copies the buffer out to host memory and waits for the copy.</summary>
    public void Download<T>(Span<T> destination)
        where T : unmanaged
    {
        long bytes = (long)destination.Length * sizeof(T);
        CheckLength(bytes);
        using SafeCudaStreamHandle stream = NewStreamOnDevice();
        fixed (T* data = destination)
        {
            CudaCalls.CopyDeviceToHost(data, Pointer, bytes, stream);
            CudaCalls.Synchronize(stream);
        }
    }

    /// <summary>Sets every byte to <paramref name="value"/> and waits (0xFF makes every bf16, fp16 and fp32 element NaN).</summary>
    public void Fill(byte value)
    {
        using SafeCudaStreamHandle stream = NewStreamOnDevice();
        CudaCalls.Fill(Pointer, value, Bytes, stream);
        CudaCalls.Synchronize(stream);
    }

    /// <inheritdoc />
    public void Dispose() => _memory.Dispose();

    /// <inheritdoc />
    public override string ToString() => _memory.IsClosed
        ? "disposed device buffer"
        : string.Create(CultureInfo.InvariantCulture, $"device {Device}: {Tensor}");

    private void CheckLength(long bytes)
    {
        if (bytes != Bytes)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The host span holds {bytes} bytes but the device buffer holds {Bytes}."));
        }
    }

    private SafeCudaStreamHandle NewStreamOnDevice()
    {
        using var scope = new DeviceScope(Device);
        return CudaCalls.CreateStream();
    }
}
