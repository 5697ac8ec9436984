namespace RingAttention.Cli.Backends;

/// <summary>Where the ring's blocks are computed.</summary>
internal enum BackendKind
{
    /// <summary>The managed CPU ring: N ranks as N threads.</summary>
    Cpu,

    /// <summary>The native CUDA kernels (one GPU per rank); needs the native library.</summary>
    Cuda,
}
