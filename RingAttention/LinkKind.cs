namespace RingAttention;

/// <summary>
/// The link between the ranks of a context-parallel group, as <see cref="ContextParallelStrategies.Choose"/> models it.
/// </summary>
public enum LinkKind
{
    /// <summary>NVLink 4 inside an 8-GPU H200 (HGX) node: assumed 450 GB/s per GPU each way.</summary>
    NvLink = 0,

    /// <summary>InfiniBand NDR between nodes, one 400 Gb/s NIC per GPU: assumed 50 GB/s per GPU each way.</summary>
    InfiniBand = 1,
}
