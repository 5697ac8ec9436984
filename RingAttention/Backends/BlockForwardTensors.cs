namespace RingAttention.Backends;

/// <summary>
/// The tensors of one ring step's forward (<see cref="IBlockAttentionKernel{TTensor}.Forward"/>): the rank's Q, the
/// block's K and V, and where the step's partial O and LSE go. One value, so a wrapping kernel passes it on whole.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
/// <param name="Query">Q, [B, L, Hq, D] in the problem's layout.</param>
/// <param name="KeyValue">K and V of the block.</param>
/// <param name="PartialOutput">O of this step, Q-shaped.</param>
/// <param name="PartialLse">LSE of this step, fp32 [B, Hq, L].</param>
internal readonly record struct BlockForwardTensors<TTensor>(
    TTensor Query,
    KeyValuePlanes<TTensor> KeyValue,
    TTensor PartialOutput,
    TTensor PartialLse);
