namespace RingAttention;

/// <summary>
/// What one rank computes in one ring step: its query rows <see cref="Query"/> against the key/value rows
/// <see cref="KeyValue"/> of the block that originated on <see cref="SourceRank"/>, under <see cref="Band"/>.
/// Ranges are rows of the rank-local tensors, so a step needs views, never copies.
/// </summary>
/// <param name="SourceRank">The rank whose K/V this step uses.</param>
/// <param name="Query">Local query rows (rows outside it are untouched by the step).</param>
/// <param name="KeyValue">Rows of the travelling K/V block.</param>
/// <param name="Band">Visibility inside the block, in block-local rows.</param>
internal readonly record struct BlockTask(int SourceRank, RowRange Query, RowRange KeyValue, BlockBand Band)
{
    /// <summary>A task under one of the two masks every backend knows.</summary>
    public BlockTask(int sourceRank, RowRange query, RowRange keyValue, BlockMask mask)
        : this(sourceRank, query, keyValue, BlockBand.From(mask))
    {
    }

    /// <summary>True when the step has no visible pair and is skipped.</summary>
    public bool IsSkipped => Query.IsEmpty || KeyValue.IsEmpty;

    /// <summary>A skipped step.</summary>
    public static BlockTask Skip(int sourceRank) => new(sourceRank, default, default, BlockBand.None);

    /// <inheritdoc />
    public override string ToString() => IsSkipped
        ? $"from {SourceRank}: skip"
        : $"from {SourceRank}: Q{Query} x KV{KeyValue} {Band}";
}
