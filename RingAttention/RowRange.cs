namespace RingAttention;

/// <summary>A contiguous range of sequence rows of a rank-local tensor.</summary>
/// <param name="Start">First row.</param>
/// <param name="Count">Number of rows.</param>
internal readonly record struct RowRange(int Start, int Count)
{
    /// <summary>One past the last row.</summary>
    public int End => Start + Count;

    /// <summary>True when the range holds no row.</summary>
    public bool IsEmpty => Count <= 0;

    /// <summary>All rows of a tensor of <paramref name="length"/> rows.</summary>
    public static RowRange All(int length) => new(0, length);

    /// <inheritdoc />
    public override string ToString() => $"[{Start}, {End})";
}
