namespace RingAttention.Strategies;

/// <summary>
/// A link between the ranks as the strategy model sees it: one bandwidth, per GPU, in each direction (every exchange
/// here is symmetric, so sends and receives overlap on a full-duplex link). Latency is ignored: the model is for
/// the long sequences context parallelism exists for, where each transfer is megabytes.
/// </summary>
/// <param name="Name">What the link is, for reports.</param>
/// <param name="BytesPerSecond">Bytes per second per GPU in one direction.</param>
internal sealed record LinkModel(string Name, double BytesPerSecond)
{
    /// <summary>
    /// Assumption: NVLink 4 inside an 8-GPU H200 (HGX) node, 450 GB/s per GPU each way: NVIDIA's H200 datasheet gives
    /// 900 GB/s of NVLink bandwidth per GPU (18 links x 50 GB/s, both directions counted). NCCL reaches less (bus
    /// bandwidth about 360-390 GB/s in all-reduce tests); measurements should replace this.
    /// </summary>
    public static LinkModel NvLink4H200 { get; } = new("NVLink 4, H200 HGX node", 450e9);

    /// <summary>Assumption: one 400 Gb/s InfiniBand NDR NIC per GPU between nodes, 50 GB/s each way.</summary>
    public static LinkModel InfiniBandNdr400 { get; } = new("InfiniBand NDR 400 Gb/s per GPU", 50e9);

    /// <summary>Seconds to move <paramref name="bytes"/> each way over this link.</summary>
    public double Seconds(double bytes) => bytes / BytesPerSecond;
}
