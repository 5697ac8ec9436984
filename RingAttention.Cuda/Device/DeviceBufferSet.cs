using RingAttention.Interop;

namespace RingAttention.Cuda.Device;

/// <summary>
/// Device buffers that live and die together (a rank's ring buffers, the host path's shards, a baseline's tensors): each
/// is allocated on one device and handed out as a <see cref="DeviceTensor"/>, and all are freed at once.
/// </summary>
internal sealed class DeviceBufferSet(int device) : IDisposable
{
    private readonly List<DeviceBuffer> _buffers = [];

    /// <summary>The CUDA device of every buffer.</summary>
    public int Device { get; } = device;

    /// <summary>Bytes of every buffer of the set.</summary>
    public long Bytes => _buffers.Sum(b => b.Bytes);

    /// <summary>Allocates <paramref name="elements"/> elements of <paramref name="type"/> and returns them as a tensor.</summary>
    public DeviceTensor Allocate(long elements, DeviceElementType type)
    {
        DeviceBuffer buffer = DeviceBuffer.Allocate(elements, type, Device);
        _buffers.Add(buffer);
        return buffer.Tensor;
    }

    /// <summary>Enqueues a fill of every byte of every buffer with <paramref name="value"/> on <paramref name="stream"/>.</summary>
    public void Fill(byte value, SafeCudaStreamHandle stream)
    {
        foreach (DeviceBuffer buffer in _buffers)
        {
            CudaCalls.Fill(buffer.Pointer, value, buffer.Bytes, stream);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (DeviceBuffer buffer in _buffers)
        {
            buffer.Dispose();
        }

        _buffers.Clear();
    }
}
