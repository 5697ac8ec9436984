namespace RingAttention.Backends;

/// <summary>
/// The tensors of one ring step's backward (<see cref="IBlockAttentionKernel{TTensor}.Backward"/>): what it reads (Q,
/// the block's K and V, the final O, dO and the merged LSE) and where the step's partial dQ, dK and dV go.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
/// <param name="Query">Q.</param>
/// <param name="KeyValue">K and V of the block.</param>
/// <param name="Output">The final O of the forward.</param>
/// <param name="OutputGradient">dO.</param>
/// <param name="Lse">The merged fp32 LSE of the forward, [B, Hq, L].</param>
/// <param name="PartialQueryGradient">dQ of this step, Q-shaped.</param>
/// <param name="PartialKeyValueGradient">dK and dV of this step.</param>
internal readonly record struct BlockBackwardTensors<TTensor>(
    TTensor Query,
    KeyValuePlanes<TTensor> KeyValue,
    TTensor Output,
    TTensor OutputGradient,
    TTensor Lse,
    TTensor PartialQueryGradient,
    KeyValuePlanes<TTensor> PartialKeyValueGradient);
