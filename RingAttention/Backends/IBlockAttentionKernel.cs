namespace RingAttention.Backends;

/// <summary>
/// Fused attention of one ring step: a rank's query rows against one K/V block. Implemented by cuDNN on the
/// GPU and by plain C# on the CPU. Tensors are rank-local and whole; the task's row ranges select the views.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal interface IBlockAttentionKernel<TTensor>
{
    /// <summary>
    /// Computes the partial output and its fp32 log-sum-exp for the task's query rows. Writes exactly the rows
    /// <see cref="BlockTask.Query"/> of <paramref name="partialOutput"/> and of <paramref name="partialLse"/>.
    /// </summary>
    /// <param name="task">Rows and mask of this step (never skipped).</param>
    /// <param name="query">Q, [B, L, Hq, D] in the problem's layout.</param>
    /// <param name="keyValue">K and V of the block.</param>
    /// <param name="partialOutput">O of this step, Q-shaped.</param>
    /// <param name="partialLse">LSE of this step, fp32 [B, Hq, L].</param>
    void Forward(in BlockTask task, TTensor query, in KeyValuePlanes<TTensor> keyValue, TTensor partialOutput, TTensor partialLse);

    /// <summary>
    /// Gradients of one step, computed with the global O, dO and merged LSE (so the recomputed probabilities
    /// are the true global ones restricted to the block). Overwrites rows <see cref="BlockTask.Query"/> of
    /// <paramref name="partialQueryGradient"/> and rows <see cref="BlockTask.KeyValue"/> of both planes of
    /// <paramref name="partialKeyValueGradient"/>.
    /// </summary>
    /// <param name="task">Rows and mask of this step (never skipped).</param>
    /// <param name="query">Q.</param>
    /// <param name="keyValue">K and V of the block.</param>
    /// <param name="output">The final O of the forward.</param>
    /// <param name="outputGradient">dO.</param>
    /// <param name="lse">The merged fp32 LSE of the forward, [B, Hq, L].</param>
    /// <param name="partialQueryGradient">dQ of this step, Q-shaped.</param>
    /// <param name="partialKeyValueGradient">dK and dV of this step.</param>
    void Backward(
        in BlockTask task,
        TTensor query,
        in KeyValuePlanes<TTensor> keyValue,
        TTensor output,
        TTensor outputGradient,
        TTensor lse,
        TTensor partialQueryGradient,
        in KeyValuePlanes<TTensor> partialKeyValueGradient);
}
