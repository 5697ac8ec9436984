namespace RingAttention;

/// <summary>
/// Turns visibility on original positions into one ring step's block: the trimmed query and key rows and the
/// diagonal band inside them. Kept apart from the schedule so that it is tested alone against brute force.
/// </summary>
internal static class BandDerivation
{
    /// <summary>
    /// The block of <paramref name="queries"/> against <paramref name="keys"/> when the key at position k is visible
    /// from the query at position q iff k - q lies in [<paramref name="lowest"/>, <paramref name="highest"/>]
    /// (null: unbounded side). Both runs must share one stride. Returns a skipped task when no pair is visible.
    /// </summary>
    public static BlockTask Derive(int sourceRank, AffineRows queries, AffineRows keys, long? lowest, long? highest)
    {
        if (queries.Stride != keys.Stride || queries.Stride < 1)
        {
            throw new ArgumentException("Both runs of rows need the same positive stride.", nameof(keys));
        }

        // k - q = (k0 - q0) + (j - i)·stride, so j - i lies in [a, b] with a = ceil((lo - d)/s), b = floor((hi - d)/s).
        long d = keys.Position - queries.Position;
        long? a = lowest is long lo ? CeilingDivide(lo - d, queries.Stride) : null;
        long? b = highest is long hi ? FloorDivide(hi - d, queries.Stride) : null;
        int nq = queries.Count;
        int nk = keys.Count;
        if (nq <= 0 || nk <= 0 || (a is long a0 && b is long b0 && a0 > b0))
        {
            return BlockTask.Skip(sourceRank);
        }

        // Query i sees a key iff i + a <= nk - 1 and i + b >= 0; key j is seen iff j - b <= nq - 1 and j >= a.
        long qs = b is long bq ? Math.Max(0, -bq) : 0;
        long qe = a is long aq ? Math.Min(nq, nk - aq) : nq;
        long ks = a is long ak ? Math.Max(0, ak) : 0;
        long ke = b is long bk ? Math.Min(nk, nq + bk) : nk;
        if (qs >= qe || ks >= ke)
        {
            return BlockTask.Skip(sourceRank);
        }

        // In the trimmed box a' = a + qs - ks <= 0 <= b' = b + qs - ks: the band contains the diagonal.
        int rows = (int)(qe - qs);
        int columns = (int)(ke - ks);
        int? left = a is long al && -(al + qs - ks) < rows - 1 ? (int)-(al + qs - ks) : null;
        int? right = b is long br && br + qs - ks < columns - 1 ? (int)(br + qs - ks) : null;
        return new BlockTask(
            sourceRank,
            new RowRange(queries.Start + (int)qs, rows),
            new RowRange(keys.Start + (int)ks, columns),
            new BlockBand(left, right));
    }

    /// <summary>
    /// The block of <see cref="Derive"/>, split into blocks that cuDNN accepts: a block whose band has a left bound may
    /// not have more query rows than key rows (the shim refuses it, after cuDNN; ringattn_shim.h, window_left), which
    /// runs of unequal length (packed documents' valid rows) can give. Such a block's queries are cut into pieces of
    /// at most its key count, each derived again (and cut again if its own trimmed keys are fewer); a piece of one row
    /// always fits. Visible pairs are covered exactly once, as by the one block.
    /// </summary>
    public static void DeriveFitted(int sourceRank, AffineRows queries, AffineRows keys, long? lowest, long? highest, List<BlockTask> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        BlockTask task = Derive(sourceRank, queries, keys, lowest, highest);
        if (task.IsSkipped)
        {
            return;
        }

        if (task.Band.Left is null || task.Query.Count <= task.KeyValue.Count)
        {
            into.Add(task);
            return;
        }

        int piece = task.KeyValue.Count;
        for (int first = 0; first < task.Query.Count; first += piece)
        {
            int row = task.Query.Start + first;
            var part = new AffineRows(row, Math.Min(piece, task.Query.End - row), queries.Position + ((long)(row - queries.Start) * queries.Stride), queries.Stride);
            DeriveFitted(sourceRank, part, keys, lowest, highest, into);
        }
    }

    /// <summary>floor(x / y) for y &gt; 0.</summary>
    public static long FloorDivide(long x, long y) => x >= 0 ? x / y : -((-x + y - 1) / y);

    /// <summary>ceil(x / y) for y &gt; 0.</summary>
    public static long CeilingDivide(long x, long y) => -FloorDivide(-x, y);
}
