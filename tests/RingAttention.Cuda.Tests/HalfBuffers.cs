namespace RingAttention.Cuda.Tests;

/// <summary>Host float32 values to and from device buffers of 16-bit elements, for tests that drive ranks themselves.</summary>
internal static class HalfBuffers
{
    /// <summary>A new buffer on <paramref name="device"/> holding <paramref name="values"/> rounded to <paramref name="type"/>.</summary>
    public static DeviceBuffer Upload(float[] values, DeviceElementType type, int device)
    {
        var bits = new ushort[values.Length];
        HostPrecision.Encode(values, bits, type);
        DeviceBuffer buffer = DeviceBuffer.Allocate(values.Length, type, device);
        buffer.Upload<ushort>(bits);
        return buffer;
    }

    /// <summary>The buffer's elements as float32.</summary>
    public static float[] Download(DeviceBuffer buffer, DeviceElementType type)
    {
        var bits = new ushort[buffer.ElementCount];
        buffer.Download<ushort>(bits);
        var values = new float[bits.Length];
        HostPrecision.Decode(bits, values, type);
        return values;
    }
}
