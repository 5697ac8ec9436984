using RingAttention.Interop;
using static System.FormattableString;

namespace RingAttention.Cuda.Device;

/// <summary>
/// Copies between float32 host arrays and device tensors of any element type (16-bit types encoded and decoded with
/// <see cref="HostPrecision"/>): the one path to and from the device of the host conveniences (full-sequence calls, the
/// single-call baseline). Each copy waits for itself, since the host memory is pinned only for the call.
/// </summary>
internal static unsafe class HostCopies
{
    /// <summary>Uploads <paramref name="source"/> into <paramref name="destination"/>, which holds exactly as many elements.</summary>
    public static void Upload(ReadOnlySpan<float> source, DeviceTensor destination, SafeCudaStreamHandle stream)
    {
        CheckLength(source.Length, destination);
        if (destination.ElementType == DeviceElementType.Float32)
        {
            fixed (float* data = source)
            {
                CudaCalls.CopyHostToDevice(destination.Pointer, data, destination.Bytes, stream);
                CudaCalls.Synchronize(stream);
            }

            return;
        }

        var bits = new ushort[source.Length];
        HostPrecision.Encode(source, bits, destination.ElementType);
        fixed (ushort* data = bits)
        {
            CudaCalls.CopyHostToDevice(destination.Pointer, data, destination.Bytes, stream);
            CudaCalls.Synchronize(stream);
        }
    }

    /// <summary>A new array of the values of <paramref name="source"/>, decoded to float32.</summary>
    public static float[] Download(DeviceTensor source, SafeCudaStreamHandle stream)
    {
        var result = new float[source.ElementCount];
        if (source.ElementType == DeviceElementType.Float32)
        {
            fixed (float* data = result)
            {
                CudaCalls.CopyDeviceToHost(data, source.Pointer, source.Bytes, stream);
                CudaCalls.Synchronize(stream);
            }

            return result;
        }

        var bits = new ushort[result.Length];
        fixed (ushort* data = bits)
        {
            CudaCalls.CopyDeviceToHost(data, source.Pointer, source.Bytes, stream);
            CudaCalls.Synchronize(stream);
        }

        HostPrecision.Decode(bits, result, source.ElementType);
        return result;
    }

    private static void CheckLength(int elements, DeviceTensor tensor)
    {
        if (elements != tensor.ElementCount)
        {
            throw new ArgumentException(Invariant($"The host array has {elements} elements but the device tensor holds {tensor.ElementCount}."));
        }
    }
}
