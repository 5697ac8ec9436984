namespace RingAttention;

/// <summary>
/// The exact merge of two softmax partials through their log-sum-exp, defined for every input a ring produces:
/// a block row that saw no key carries LSE = -inf (some kernels write +inf there; both mean "empty"), and an
/// accumulator row that has seen nothing yet is -inf too. The result is never NaN for such inputs.
/// </summary>
internal static class LseMerge
{
    /// <summary>
    /// Combines a running LSE with a block's LSE. The merged output row is
    /// <c>oldWeight · O + newWeight · O_block</c>.
    /// </summary>
    /// <param name="lse">Running LSE (-inf when nothing merged yet).</param>
    /// <param name="blockLse">The block's LSE (±inf when the block row saw no key).</param>
    /// <returns>The merged LSE and the weights of the running and the block output.</returns>
    public static (float Lse, float OldWeight, float NewWeight) Combine(float lse, float blockLse)
    {
        if (float.IsInfinity(blockLse))
        {
            return (lse, 1f, 0f); // empty block row: nothing to add
        }

        if (float.IsNegativeInfinity(lse))
        {
            return (blockLse, 0f, 1f); // first contribution: take the block as it is (avoids -inf - -inf)
        }

        // Sigmoid form: with e = exp(min - max) <= 1 the weights are 1/(1+e) and e/(1+e). Unlike
        // exp(lse - merged) they lose no precision when the LSEs are large, and nothing can overflow.
        bool blockIsLarger = blockLse > lse;
        float max = blockIsLarger ? blockLse : lse;
        float e = MathF.Exp((blockIsLarger ? lse : blockLse) - max);
        float larger = 1f / (1f + e);
        float smaller = e * larger;
        float merged = max + float.LogP1(e);
        return blockIsLarger ? (merged, smaller, larger) : (merged, larger, smaller);
    }
}
