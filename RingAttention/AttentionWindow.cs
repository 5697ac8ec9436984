using static System.FormattableString;

namespace RingAttention;

/// <summary>
/// A sliding window on the global sequence, in the convention of TransformerEngine and FlashAttention: the query at
/// original position i sees the key at original position j when i - <see cref="Left"/> &lt;= j &lt;= i + <see cref="Right"/>,
/// and the problem's <see cref="AttentionMask"/> allows the pair too. <see cref="Unbounded"/> (-1) on a side removes
/// that side's limit. Positions are the original token positions, whatever the load balancing.
/// </summary>
/// <param name="Left">Keys visible before the query (0 or more), or <see cref="Unbounded"/>.</param>
/// <param name="Right">Keys visible after the query (0 or more), or <see cref="Unbounded"/>; must be 0 with a causal mask.</param>
public readonly record struct AttentionWindow(int Left, int Right)
{
    /// <summary>The value of a side without a limit.</summary>
    public const int Unbounded = -1;

    /// <summary>Causal sliding window: the query and the <paramref name="left"/> keys before it.</summary>
    public static AttentionWindow Causal(int left) => new(left, 0);

    /// <summary>True when <see cref="Left"/> limits the keys before a query.</summary>
    public bool HasLeft => Left != Unbounded;

    /// <summary>True when <see cref="Right"/> limits the keys after a query.</summary>
    public bool HasRight => Right != Unbounded;

    /// <summary>Whether the key at original position <paramref name="key"/> lies in the window of the query at <paramref name="query"/>.</summary>
    public bool Contains(long query, long key) => (!HasLeft || key >= query - Left) && (!HasRight || key <= query + Right);

    /// <inheritdoc />
    public override string ToString() => Invariant($"({Side(Left)}, {Side(Right)})");

    private static string Side(int keys) => keys == Unbounded ? "unbounded" : Invariant($"{keys}");
}
