namespace RingAttention.Cuda;

/// <summary>
/// Host-side conversions between float32 and the 16-bit attention types: bfloat16 by round-to-nearest-even on the
/// float's bits, float16 through <see cref="Half"/>. Used to upload inputs, read results, and build references on
/// exactly the values the GPU sees.
/// </summary>
public static class HostPrecision
{
    /// <summary>The bfloat16 bits nearest to <paramref name="value"/> (ties to even; NaN stays a quiet NaN).</summary>
    public static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040); // keep the sign, force a quiet NaN
        }

        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>The float32 value of bfloat16 bits (exact).</summary>
    public static float FromBFloat16Bits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The float16 bits nearest to <paramref name="value"/>.</summary>
    public static ushort ToHalfBits(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>The float32 value of float16 bits (exact).</summary>
    public static float FromHalfBits(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary><paramref name="value"/> rounded to <paramref name="type"/> and back (float32 is returned unchanged).</summary>
    public static float Round(float value, DeviceElementType type) => type switch
    {
        DeviceElementType.BFloat16 => FromBFloat16Bits(ToBFloat16Bits(value)),
        DeviceElementType.Float16 => FromHalfBits(ToHalfBits(value)),
        DeviceElementType.Float32 => value,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type."),
    };

    /// <summary>A new array of <paramref name="values"/> rounded to <paramref name="type"/>.</summary>
    public static float[] Round(ReadOnlySpan<float> values, DeviceElementType type)
    {
        var rounded = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            rounded[i] = Round(values[i], type);
        }

        return rounded;
    }

    /// <summary>Encodes float32 values as 16-bit <paramref name="type"/> bits.</summary>
    public static void Encode(ReadOnlySpan<float> source, Span<ushort> destination, DeviceElementType type)
    {
        CheckLengths(source.Length, destination.Length);
        switch (type)
        {
            case DeviceElementType.BFloat16:
                for (int i = 0; i < source.Length; i++)
                {
                    destination[i] = ToBFloat16Bits(source[i]);
                }

                break;
            case DeviceElementType.Float16:
                for (int i = 0; i < source.Length; i++)
                {
                    destination[i] = ToHalfBits(source[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Only bfloat16 and float16 are 16-bit types.");
        }
    }

    /// <summary>Decodes 16-bit <paramref name="type"/> bits to float32.</summary>
    public static void Decode(ReadOnlySpan<ushort> source, Span<float> destination, DeviceElementType type)
    {
        CheckLengths(source.Length, destination.Length);
        switch (type)
        {
            case DeviceElementType.BFloat16:
                for (int i = 0; i < source.Length; i++)
                {
                    destination[i] = FromBFloat16Bits(source[i]);
                }

                break;
            case DeviceElementType.Float16:
                for (int i = 0; i < source.Length; i++)
                {
                    destination[i] = FromHalfBits(source[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Only bfloat16 and float16 are 16-bit types.");
        }
    }

    private static void CheckLengths(int source, int destination)
    {
        if (source != destination)
        {
            throw new ArgumentException($"The source has {source} elements but the destination has {destination}.", nameof(destination));
        }
    }
}
