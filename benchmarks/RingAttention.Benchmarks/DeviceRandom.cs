using RingAttention.Cuda;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Benchmarks;

/// <summary>Random contents for the benchmarks' device tensors: timing does not depend on values, but NaN and denormal paths must not be taken.</summary>
internal static class DeviceRandom
{
    private const int BlockElements = 1 << 20;

    /// <summary>
    /// Fills <paramref name="tensor"/> on <paramref name="device"/> with finite random values (uniform in [-1, 1), for half
    /// types rounded to the type) and waits: a random block is uploaded and then repeated by device copies, so large
    /// tensors fill fast.
    /// </summary>
    public static void Fill(DeviceTensor tensor, int device, int seed)
    {
        if (tensor.IsNull || tensor.Bytes == 0)
        {
            return;
        }

        using var scope = new DeviceScope(device);
        using SafeCudaStreamHandle stream = CudaCalls.CreateStream();
        long total = tensor.ElementCount;
        int count = (int)Math.Min(total, BlockElements);
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        HostCopies.Upload(values, tensor.Slice(0, count), stream);

        // Doubling copies: [0, filled) → [filled, 2·filled).
        int size = DeviceElementTypes.SizeOf(tensor.ElementType);
        long filled = count;
        while (filled < total)
        {
            long chunk = Math.Min(filled, total - filled);
            CudaCalls.CopyDeviceToDevice(tensor.ElementAddress(filled), tensor.Pointer, chunk * size, stream);
            filled += chunk;
        }

        CudaCalls.Synchronize(stream);
    }
}
