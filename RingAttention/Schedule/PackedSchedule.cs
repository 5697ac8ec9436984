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

    /// <summary>The run moved to the document's slot at <paramref name="start"/> and cut to positions below <paramref name="valid"/>.</summary>
    private static AffineRows Valid(AffineRows run, int start, int valid)
    {
        long room = valid - run.Position;
        int count = room <= 0 ? 0 : (int)Math.Min(run.Count, (room + run.Stride - 1) / run.Stride);
        return run with { Start = run.Start + start, Count = count };
    }
}
