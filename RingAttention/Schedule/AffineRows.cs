namespace RingAttention;

/// <summary>
/// A run of rank-local rows whose original token positions are affine in the row: local row
/// <see cref="Start"/> + i holds position <see cref="Position"/> + i·<see cref="Stride"/> (stride 1 for a contiguous
/// chunk, N for striped shards).
/// </summary>
/// <param name="Start">First local row of the run.</param>
/// <param name="Count">Rows in the run.</param>
/// <param name="Position">Original position of the first row.</param>
/// <param name="Stride">Positions between consecutive rows (positive).</param>
internal readonly record struct AffineRows(int Start, int Count, long Position, int Stride);
