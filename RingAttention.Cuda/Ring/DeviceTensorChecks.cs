using static System.FormattableString;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// What both plans check of the caller's device tensors before anything is enqueued, so that a wrong tensor is an
/// <see cref="ArgumentException"/> naming it and its rank rather than a fault on the device.
/// </summary>
internal static class DeviceTensorChecks
{
    /// <summary>One tensor per rank (<paramref name="ringSize"/> of them), each as <see cref="Tensor"/> checks it.</summary>
    public static void Shards(IReadOnlyList<DeviceTensor> shards, string name, int ringSize, long bytes, DeviceElementType type)
    {
        ArgumentNullException.ThrowIfNull(shards, name);
        if (shards.Count != ringSize)
        {
            throw new ArgumentException(Invariant($"{name} has {shards.Count} shards, expected one per rank (RingSize={ringSize})."), name);
        }

        for (int r = 0; r < shards.Count; r++)
        {
            Tensor(shards[r], name, r, bytes, type);
        }
    }

    /// <summary>
    /// Rank <paramref name="rank"/>'s <paramref name="name"/>: not null, of element type <paramref name="type"/>, at least
    /// <paramref name="bytes"/> long, and 16-byte aligned (cuDNN needs it).
    /// </summary>
    public static void Tensor(DeviceTensor tensor, string name, int rank, long bytes, DeviceElementType type)
    {
        if (tensor.IsNull)
        {
            throw new ArgumentNullException(name, Invariant($"{name}[{rank}] is a null device pointer."));
        }

        if (tensor.ElementType != type)
        {
            throw new ArgumentException(Invariant($"{name}[{rank}] holds {tensor.ElementType} elements, expected {type}."), name);
        }

        if (tensor.Bytes < bytes)
        {
            throw new ArgumentException(Invariant($"{name}[{rank}] has {tensor.Bytes} bytes, expected {bytes}."), name);
        }

        if (tensor.Pointer % 16 != 0)
        {
            throw new ArgumentException(Invariant($"{name}[{rank}] at 0x{tensor.Pointer:x} is not 16-byte aligned (cuDNN needs it)."), name);
        }
    }
}
