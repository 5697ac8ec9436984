namespace RingAttention.Cuda.Tests;

/// <summary>Host conversions (no GPU needed).</summary>
public sealed class HostPrecisionTests
{
    [Theory]
    [InlineData(1.0f, (ushort)0x3F80)]
    [InlineData(-2.0f, (ushort)0xC000)]
    [InlineData(0.0f, (ushort)0x0000)]
    [InlineData(float.PositiveInfinity, (ushort)0x7F80)]
    public void Exact_values_encode_to_their_bfloat16_bits(float value, ushort bits)
    {
        Assert.Equal(bits, HostPrecision.ToBFloat16Bits(value));
        Assert.Equal(value, HostPrecision.FromBFloat16Bits(bits));
    }

    [Fact]
    public void Bfloat16_rounds_to_nearest_even()
    {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
        Assert.Equal(1.0f, HostPrecision.Round(1f + MathF.Pow(2, -8), DeviceElementType.BFloat16));
        // 1 + 3·2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: ties go to 1 + 2^-6.
        Assert.Equal(1f + MathF.Pow(2, -6), HostPrecision.Round(1f + (3 * MathF.Pow(2, -8)), DeviceElementType.BFloat16));
        // Just above the halfway point rounds up.
        Assert.Equal(1f + MathF.Pow(2, -7), HostPrecision.Round(1f + MathF.Pow(2, -8) + MathF.Pow(2, -20), DeviceElementType.BFloat16));
        Assert.True(float.IsNaN(HostPrecision.Round(float.NaN, DeviceElementType.BFloat16)));
    }

    [Fact]
    public void Rounding_is_idempotent_and_encode_decode_round_trips()
    {
        var random = new Random(7);
        float[] data = TestTensors.Uniform(random, 1000, 10f);
        foreach (DeviceElementType type in new[] { DeviceElementType.BFloat16, DeviceElementType.Float16 })
        {
            float[] rounded = HostPrecision.Round(data, type);
            Assert.Equal(rounded, HostPrecision.Round(rounded, type));
            var bits = new ushort[data.Length];
            var back = new float[data.Length];
            HostPrecision.Encode(data, bits, type);
            HostPrecision.Decode(bits, back, type);
            Assert.Equal(rounded, back);
            double bound = type == DeviceElementType.BFloat16 ? 1.0 / 256 : 1.0 / 2048;
            for (int i = 0; i < data.Length; i++)
            {
                Assert.True(Math.Abs(rounded[i] - data[i]) <= bound * Math.Abs(data[i]), $"{type} element {i}");
            }
        }
    }

    [Fact]
    public void Device_tensor_views_stay_inside_the_tensor()
    {
        var t = new DeviceTensor(0x1000, 64, DeviceElementType.BFloat16);
        Assert.Equal(32, t.ElementCount);
        DeviceTensor view = t.Slice(8, 16);
        Assert.Equal(0x1010, view.Pointer);
        Assert.Equal(32, view.Bytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(20, 16));
    }
}
