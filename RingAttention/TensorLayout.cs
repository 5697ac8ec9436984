namespace RingAttention;

/// <summary>Memory order of Q, K, V, O and their gradients (D is always innermost).</summary>
public enum TensorLayout
{
    /// <summary>[batch, sequence, heads, head_dim].</summary>
    Bshd = 0,

    /// <summary>[sequence, batch, heads, head_dim].</summary>
    Sbhd = 1,

    /// <summary>
    /// Packed variable-length documents ("THD"): [tokens, heads, head_dim], the documents of
    /// <see cref="RingProblem.Documents"/> concatenated along the token axis with no batch axis, so that a ragged
    /// batch wastes no compute on padding. Needs <see cref="RingProblem.BatchSize"/> = 1; memory-wise a rank-local
    /// buffer is a BSHD (or SBHD) tensor with B = 1, which is why every kernel runs it unchanged.
    /// </summary>
    Thd = 2,
}
