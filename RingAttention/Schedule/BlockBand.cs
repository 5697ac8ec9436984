using static System.FormattableString;

namespace RingAttention;

/// <summary>
/// The visibility inside one ring step's block, as a diagonal band in block-local rows: query row i (counted from
/// the task's Query start) sees key row j (counted from the task's KeyValue start) iff
/// (<see cref="Left"/> is null or j &gt;= i - Left) and (<see cref="Right"/> is null or j &lt;= i + Right).
/// One type covers the full block (<see cref="None"/>), top-left causal (<see cref="Causal"/>) and every sliding
/// window; the schedule always trims a block so that its band contains the diagonal, so a kernel never meets a
/// band that leaves a whole row or column empty by construction.
/// </summary>
/// <param name="Left">How many keys before the diagonal a query sees; null: all of them.</param>
/// <param name="Right">How many keys after the diagonal a query sees; null: all of them.</param>
internal readonly record struct BlockBand(int? Left, int? Right)
{
    /// <summary>Every query row sees every key row of the block.</summary>
    public static BlockBand None => new(null, null);

    /// <summary>Top-left causal: query row i sees key rows j &lt;= i.</summary>
    public static BlockBand Causal => new(null, 0);

    /// <summary>The band of a mask that backends knowing only None/Causal describe.</summary>
    public static BlockBand From(BlockMask mask) => mask == BlockMask.Causal ? Causal : None;

    /// <summary>Whether block-local query row <paramref name="row"/> sees block-local key row <paramref name="key"/>.</summary>
    public bool Sees(int row, int key) => (Left is not int l || key >= row - l) && (Right is not int r || key <= row + r);

    /// <summary>First visible key of <paramref name="row"/> in a block of <paramref name="keys"/> keys, and how many follow.</summary>
    public (int First, int Count) VisibleKeys(int row, int keys)
    {
        int first = Left is int l ? Math.Max(0, row - l) : 0;
        int last = Right is int r ? (int)Math.Min(keys - 1L, (long)row + r) : keys - 1;
        return (first, Math.Max(0, last - first + 1));
    }

    /// <inheritdoc />
    public override string ToString() => this == None ? "None" : this == Causal ? "Causal" : Invariant($"Band({Side(Left)}, {Side(Right)})");

    private static string Side(int? keys) => keys is int k ? Invariant($"{k}") : "*";
}
