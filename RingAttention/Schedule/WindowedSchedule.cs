namespace RingAttention;

/// <summary>
/// The step blocks derived from original token positions: each rank's rows split into runs whose positions are
/// affine (one run for contiguous and striped shards, two chunks for dual-chunk), and every (query run, key run)
/// pair becomes one block through <see cref="BandDerivation"/>. Used for every windowed problem, and without a
/// window for contiguous and striped shards, where it reproduces the step table exactly.
/// </summary>
internal static class WindowedSchedule
{
    /// <summary>Adds the visible blocks of rank <paramref name="rank"/> on the K/V of <paramref name="source"/>.</summary>
    public static void Add(RingProblem problem, int rank, int source, ref StepTasks tasks)
    {
        (long? lowest, long? highest) = Bounds(problem);
        int queryRuns = Runs(problem.Balance, problem.RingSize, problem.LocalLength, rank, out AffineRows q0, out AffineRows q1);
        int keyRuns = Runs(problem.Balance, problem.RingSize, problem.LocalLength, source, out AffineRows k0, out AffineRows k1);
        if (queryRuns == 1 && keyRuns == 2 && lowest is not null)
        {
            // The last dual-chunk rank's two adjacent chunks against another rank's single chunk: split the queries
            // into their chunks too, so that no block with a left bound has more query rows than key rows (the shim,
            // after cuDNN, refuses such a band; ringattn_shim.h, window_left).
            int half = q0.Count / 2;
            q1 = new AffineRows(q0.Start + half, half, q0.Position + half, 1);
            q0 = q0 with { Count = half };
            queryRuns = 2;
        }

        for (int qi = 0; qi < queryRuns; qi++)
        {
            for (int ki = 0; ki < keyRuns; ki++)
            {
                tasks.Add(BandDerivation.Derive(source, qi == 0 ? q0 : q1, ki == 0 ? k0 : k1, lowest, highest));
            }
        }
    }

    /// <summary>
    /// Visible iff k - q lies in [lowest, highest] (null: unbounded): the causal mask caps k - q at 0, the window at
    /// -Left and Right.
    /// </summary>
    public static (long? Lowest, long? Highest) Bounds(RingProblem problem)
    {
        AttentionWindow window = problem.Window ?? new AttentionWindow(AttentionWindow.Unbounded, AttentionWindow.Unbounded);
        long? lowest = window.HasLeft ? -(long)window.Left : null;
        long? highest = window.HasRight ? window.Right : null;
        if (problem.Mask == AttentionMask.Causal)
        {
            highest = Math.Min(highest ?? 0, 0);
        }

        return (lowest, highest);
    }

    /// <summary>
    /// The affine runs (1 or 2) of <paramref name="rank"/>'s <paramref name="length"/> local rows of one sequence
    /// balanced over <paramref name="n"/> ranks; rows and positions count from that sequence's start.
    /// </summary>
    public static int Runs(LoadBalancing balance, int n, int length, int rank, out AffineRows first, out AffineRows second)
    {
        second = default;
        switch (balance)
        {
            case LoadBalancing.None:
                first = new AffineRows(0, length, (long)rank * length, 1);
                return 1;
            case LoadBalancing.Striped:
                first = new AffineRows(0, length, rank, n);
                return 1;
            case LoadBalancing.DualChunk:
                int half = length / 2;
                int late = (2 * n) - 1 - rank;
                if (late == rank + 1)
                {
                    // Chunks r and r + 1 are adjacent (the last rank, and every ring of one): one contiguous run.
                    first = new AffineRows(0, length, (long)rank * half, 1);
                    return 1;
                }

                first = new AffineRows(0, half, (long)rank * half, 1);
                second = new AffineRows(half, half, (long)late * half, 1);
                return 2;
            default:
                throw new ArgumentOutOfRangeException(nameof(balance), balance, "Unknown load balancing.");
        }
    }
}
