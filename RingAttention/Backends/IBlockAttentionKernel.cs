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
    /// <see cref="BlockTask.Query"/> of <see cref="BlockForwardTensors{TTensor}.PartialOutput"/> and of
    /// <see cref="BlockForwardTensors{TTensor}.PartialLse"/>.
    /// </summary>
    /// <param name="task">Rows and mask of this step (never skipped).</param>
    /// <param name="tensors">Q, the block's K and V, and the step's partial O and LSE.</param>
    void Forward(in BlockTask task, in BlockForwardTensors<TTensor> tensors);

    /// <summary>
    /// Gradients of one step, computed with the global O, dO and merged LSE (so the recomputed probabilities
    /// are the true global ones restricted to the block). Overwrites rows <see cref="BlockTask.Query"/> of
    /// <see cref="BlockBackwardTensors{TTensor}.PartialQueryGradient"/> and rows <see cref="BlockTask.KeyValue"/> of
    /// both planes of <see cref="BlockBackwardTensors{TTensor}.PartialKeyValueGradient"/>.
    /// </summary>
    /// <param name="task">Rows and mask of this step (never skipped).</param>
    /// <param name="tensors">What the step reads and the partial gradients it writes.</param>
    void Backward(in BlockTask task, in BlockBackwardTensors<TTensor> tensors);
}
