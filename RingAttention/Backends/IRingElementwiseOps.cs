namespace RingAttention.Backends;

/// <summary>
/// The small element-wise operations around the attention kernel: K/V stacking, the exact LSE merge of
/// partial outputs, gradient accumulation and the final casts. Accumulators are fp32 on every backend.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal interface IRingElementwiseOps<TTensor>
{
    /// <summary>Copies K into the first plane and V into the second plane of <paramref name="keyValue"/>.</summary>
    void PackKeyValue(TTensor key, TTensor value, TTensor keyValue);

    /// <summary>Views of the two planes of a stacked K/V (or dK/dV) buffer; copies nothing.</summary>
    KeyValuePlanes<TTensor> Planes(TTensor stacked);

    /// <summary>Sets the running output to 0 and the running LSE to -inf.</summary>
    void InitializeOutputAccumulator(TTensor outputAccumulator, TTensor lseAccumulator);

    /// <summary>
    /// Merges the partial (O_b, LSE_b) into the running (O, LSE) on <paramref name="rows"/> exactly:
    /// LSE' = logaddexp(LSE, LSE_b), O' = exp(LSE - LSE')·O + exp(LSE_b - LSE')·O_b, with -inf rows handled so
    /// that no NaN can appear.
    /// </summary>
    void MergePartialOutput(TTensor outputAccumulator, TTensor lseAccumulator, TTensor partialOutput, TTensor partialLse, RowRange rows);

    /// <summary>Writes the final O (cast from the accumulator) and LSE; rows whose LSE is -inf get O = 0.</summary>
    void FinalizeOutput(TTensor outputAccumulator, TTensor lseAccumulator, TTensor output, TTensor lse);

    /// <summary>Sets every element of an fp32 accumulator to 0.</summary>
    void Zero(TTensor accumulator);

    /// <summary>Adds <paramref name="rows"/> of a Q-shaped block gradient to the fp32 accumulator.</summary>
    void AccumulateQueryRows(TTensor accumulator, TTensor blockGradient, RowRange rows);

    /// <summary>Adds <paramref name="rows"/> of both planes of a stacked partial dK/dV to the fp32 accumulator.</summary>
    void AccumulateKeyValueRows(TTensor accumulator, TTensor blockGradient, RowRange rows);

    /// <summary>Casts the fp32 dQ accumulator out to dQ.</summary>
    void FinalizeQueryGradient(TTensor accumulator, TTensor queryGradient);

    /// <summary>Casts the two planes of the fp32 stacked dK/dV accumulator out to dK and dV.</summary>
    void FinalizeKeyValueGradient(TTensor accumulator, TTensor keyGradient, TTensor valueGradient);
}
