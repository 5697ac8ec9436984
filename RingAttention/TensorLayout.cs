namespace RingAttention;

/// <summary>Memory order of Q, K, V, O and their gradients (D is always innermost).</summary>
public enum TensorLayout
{
    /// <summary>[batch, sequence, heads, head_dim].</summary>
    Bshd = 0,

    /// <summary>[sequence, batch, heads, head_dim].</summary>
    Sbhd = 1,
}
