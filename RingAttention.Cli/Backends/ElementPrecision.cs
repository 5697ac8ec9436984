namespace RingAttention.Cli.Backends;

/// <summary>
/// The element type a backend computes Q, K, V, O and the gradients in (--dtype). Files are always read from their
/// own float type and written as float32; this only decides what the values are rounded to in between.
/// </summary>
internal enum ElementPrecision
{
    /// <summary>float32: the CPU backend's only type.</summary>
    Float32,

    /// <summary>bfloat16: the CUDA backend's default.</summary>
    BFloat16,

    /// <summary>IEEE float16: the CUDA backend's other type.</summary>
    Float16,
}
