namespace RingAttention.Strategies;

/// <summary>A contiguous range of attention heads.</summary>
/// <param name="Start">First head.</param>
/// <param name="Count">Number of heads.</param>
internal readonly record struct HeadRange(int Start, int Count)
{
    /// <summary>One past the last head.</summary>
    public int End => Start + Count;

    /// <summary>Whether <paramref name="head"/> lies in the range.</summary>
    public bool Contains(int head) => head >= Start && head < End;

    /// <inheritdoc />
    public override string ToString() => $"[{Start}, {End})";
}
