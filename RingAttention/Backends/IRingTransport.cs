namespace RingAttention.Backends;

/// <summary>
/// Moves one buffer to the next rank while receiving the previous rank's buffer of the same size.
/// On the GPU this is an NCCL send/recv group on a communication stream; on the CPU, threads hand over buffers.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal interface IRingTransport<in TTensor>
{
    /// <summary>This rank, in [0, <see cref="Size"/>).</summary>
    int Rank { get; }

    /// <summary>N, the number of ranks.</summary>
    int Size { get; }

    /// <summary>
    /// Posts the send of <paramref name="send"/> and the receive into <paramref name="receive"/>. Neither buffer
    /// may be written (and <paramref name="receive"/> not read) until <see cref="Wait"/> on the same channel.
    /// </summary>
    void Start(RingChannel channel, RingDirection direction, TTensor send, TTensor receive);

    /// <summary>Completes the exchange in flight on <paramref name="channel"/>; throws if the ring failed.</summary>
    void Wait(RingChannel channel);
}
