namespace RingAttention.Cuda;

/// <summary>Element type of a device tensor.</summary>
public enum DeviceElementType
{
    /// <summary>bfloat16 (8-bit exponent, 7-bit mantissa); an input/output type of the attention.</summary>
    BFloat16 = 0,

    /// <summary>IEEE float16; an input/output type of the attention.</summary>
    Float16 = 1,

    /// <summary>float32: the LSE and the accumulators.</summary>
    Float32 = 2,
}
