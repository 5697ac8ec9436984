namespace RingAttention;

/// <summary>
/// The step blocks of packed documents (<see cref="TensorLayout.Thd"/>): every document is a sequence of its own,
/// balanced on its own, so a step runs each document's blocks (query runs of this rank against key runs of the
/// source, both inside that document's slot of the shards) and no block crosses documents. Bands come from the
/// document's original positions through <see cref="BandDerivation"/>, so masks and windows work as for one sequence.
/// Runs are trimmed to their valid rows first: padding sits at the end of each run (its positions lie past the
/// document's length), so a padding row never sees a key and is never seen, and keeps O = 0, LSE = -inf and zero
/// gradients from the loop's initial values.
/// </summary>
internal static class PackedSchedule
{
    /// <summary>The blocks rank <paramref name="rank"/> computes against the K/V of <paramref name="source"/>, documents in order.</summary>
    public static BlockTask[] TasksFor(RingProblem problem, PackedDocuments documents, int rank, int source)
    {
        (long? lowest, long? highest) = WindowedSchedule.Bounds(problem);
        int n = problem.RingSize;
        var tasks = new List<BlockTask>();
        for (int d = 0; d < documents.Count; d++)
        {
            int length = documents.PaddedLengths[d] / n;
            int start = documents.PaddedOffsets[d] / n;
            int valid = documents.Lengths[d];
            if (problem.Window is null && (problem.Mask == AttentionMask.None || problem.Balance == LoadBalancing.DualChunk))
            {
                AddWhole(problem, rank, source, start, ValidRows(problem, length, rank, valid), ValidRows(problem, length, source, valid), length / 2, tasks);
                continue;
            }

            int queryRuns = WindowedSchedule.Runs(problem.Balance, n, length, rank, out AffineRows q0, out AffineRows q1);
            int keyRuns = WindowedSchedule.Runs(problem.Balance, n, length, source, out AffineRows k0, out AffineRows k1);
            for (int qi = 0; qi < queryRuns; qi++)
            {
                for (int ki = 0; ki < keyRuns; ki++)
                {
                    AffineRows queries = Valid(qi == 0 ? q0 : q1, start, valid);
                    AffineRows keys = Valid(ki == 0 ? k0 : k1, start, valid);
                    BandDerivation.DeriveFitted(source, queries, keys, lowest, highest, tasks);
                }
            }
        }

        return [.. tasks];
    }

    /// <summary>
    /// One block per document and step where the runs merge, as the ring's table merges them for one sequence
    /// (<see cref="RingSchedule.ForPair"/>): a slot's valid rows are always a prefix of it (padding takes the last
    /// positions, and positions grow along the slot for every balancing), so without a window every query row of
    /// the slot sees every key row (no mask) or, dual-chunk causal, the document's own slot is top-left causal, an
    /// earlier rank's first chunk is seen whole by every query, and a later rank's keys whole by the second chunk.
    /// </summary>
    private static void AddWhole(RingProblem problem, int rank, int source, int start, int queries, int keys, int half, List<BlockTask> tasks)
    {
        BlockTask task = problem.Mask == AttentionMask.None
            ? new BlockTask(source, new RowRange(start, queries), new RowRange(start, keys), BlockMask.None)
            : source == rank
                ? new BlockTask(source, new RowRange(start, queries), new RowRange(start, keys), BlockMask.Causal)
                : source < rank
                    ? new BlockTask(source, new RowRange(start, queries), new RowRange(start, Math.Min(keys, half)), BlockMask.None)
                    : new BlockTask(source, new RowRange(start + half, Math.Max(0, queries - half)), new RowRange(start, keys), BlockMask.None);
        if (!task.IsSkipped)
        {
            tasks.Add(task);
        }
    }

    /// <summary>How many of <paramref name="rank"/>'s <paramref name="length"/> slot rows hold a position below <paramref name="valid"/>.</summary>
    private static int ValidRows(RingProblem problem, int length, int rank, int valid)
    {
        int runs = WindowedSchedule.Runs(problem.Balance, problem.RingSize, length, rank, out AffineRows first, out AffineRows second);
        return Valid(first, 0, valid).Count + (runs == 2 ? Valid(second, 0, valid).Count : 0);
    }

    /// <summary>The run moved to the document's slot at <paramref name="start"/> and cut to positions below <paramref name="valid"/>.</summary>
    private static AffineRows Valid(AffineRows run, int start, int valid)
    {
        long room = valid - run.Position;
        int count = room <= 0 ? 0 : (int)Math.Min(run.Count, (room + run.Stride - 1) / run.Stride);
        return run with { Start = run.Start + start, Count = count };
    }
}
