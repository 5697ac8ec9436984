namespace RingAttention.Strategies;

/// <summary>
/// The collectives of the all-gather and all-to-all strategies over one group of ranks, each a blocking call that
/// every member makes with buffers of the same sizes. On the GPU: NCCL collectives on the communication stream; on the
/// CPU: threads meeting at a barrier. Every wait has a deadline, and a member that fails stops the others' waits
/// (they throw <see cref="RingAbortedException"/> or <see cref="TimeoutException"/>), as in the ring.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal interface ICollectiveTransport<in TTensor>
{
    /// <summary>This member, in [0, <see cref="Size"/>).</summary>
    int Rank { get; }

    /// <summary>The members of the group.</summary>
    int Size { get; }

    /// <summary>
    /// <paramref name="receive"/> (Size blocks) gets every member's <paramref name="send"/> (one block), block r from
    /// member r: the rank-order buffer of <see cref="GatheredSequenceOrder"/>.
    /// </summary>
    void AllGather(TTensor send, TTensor receive);

    /// <summary>
    /// <paramref name="send"/> holds Size blocks; <paramref name="receive"/> (one block) gets the sum over members of
    /// their block <see cref="Rank"/>: the dK/dV reduce-scatter of the all-gather backward.
    /// </summary>
    void ReduceScatterSum(TTensor send, TTensor receive);

    /// <summary>
    /// <paramref name="send"/> and <paramref name="receive"/> hold Size equal blocks; block j of the send goes to member
    /// j, and block s of the receive comes from member s (NCCL / all_to_all_single order).
    /// </summary>
    void AllToAll(TTensor send, TTensor receive);
}
