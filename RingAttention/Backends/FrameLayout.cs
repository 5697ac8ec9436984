namespace RingAttention.Backends;

/// <summary>Memory order of a whole rank-local tensor, as <see cref="TensorFrame"/> sees it.</summary>
internal enum FrameLayout
{
    /// <summary>[batch, sequence, heads, head_dim]: Q, K, V, O and the gradients in <see cref="TensorLayout.Bshd"/>.</summary>
    Bshd = 0,

    /// <summary>[sequence, batch, heads, head_dim]: the same in <see cref="TensorLayout.Sbhd"/>.</summary>
    Sbhd = 1,

    /// <summary>[batch, heads, sequence] with head_dim 1: the fp32 LSE in every layout.</summary>
    Bhs = 2,
}
