namespace RingAttention.Strategies;

/// <summary>
/// One rank's share of a context-parallel attention call, whatever the strategy: the ring (<see cref="RingLoop{TTensor}"/>),
/// the all-gather (<see cref="AllGatherLoop{TTensor}"/>) or the head exchange (<see cref="HeadExchangeLoop{TTensor}"/>).
/// Backends hold one per rank and call it on the rank's shards, so choosing a strategy changes nothing above them.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal interface IRankAttention<TTensor>
{
    /// <summary>O and the fp32 LSE of this rank's query rows against the whole sequence, in the sequence-shard layout.</summary>
    void Forward(in ForwardTensors<TTensor> tensors);

    /// <summary>dQ, dK and dV of this rank's shards from the forward's O and LSE (stateless: nothing is kept between calls).</summary>
    void Backward(in BackwardTensors<TTensor> tensors);
}
