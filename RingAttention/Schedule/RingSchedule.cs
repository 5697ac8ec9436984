namespace RingAttention;

/// <summary>
/// The step table of the ring (README.md, "The ring"): which Q rows meet which K/V rows
/// under which mask, for a rank and the source of the K/V block it holds. Forward and backward use the same
/// table; only the order in which a rank meets the sources differs.
/// </summary>
internal static class RingSchedule
{
    /// <summary>Forward: at step t rank r holds the block of rank (r - t) mod N (sent to r+1 each step).</summary>
    public static int ForwardSource(int rank, int step, int ringSize) => Modulo(rank - step, ringSize);

    /// <summary>Backward: at step t rank r holds the block of rank (r + t) mod N (sent to r-1 each step).</summary>
    public static int BackwardSource(int rank, int step, int ringSize) => Modulo(rank + step, ringSize);

    /// <summary>
    /// The blocks rank <paramref name="rank"/> computes against the K/V of <paramref name="source"/>: none when
    /// no key of the block is visible (the step is skipped: no kernel call, no merge, but the K/V transfer still
    /// runs, since the block travels on to the ranks that need it).
    /// </summary>
    public static StepTasks TasksFor(RingProblem problem, int rank, int source)
    {
        RefusePacked(problem);
        var tasks = default(StepTasks);
        if (problem.Window is null && problem.Balance == LoadBalancing.DualChunk)
        {
            // The table's merged blocks (one causal block for the rank's own two chunks) beat four sub-blocks.
            tasks.Add(ForPair(problem, rank, source));
            return tasks;
        }

        WindowedSchedule.Add(problem, rank, source, ref tasks);
        return tasks;
    }

    /// <summary>
    /// The only block of a step that has at most one (every problem without a window, and every ring of one rank);
    /// a skipped task when it has none. For backends that run one block per step.
    /// </summary>
    public static BlockTask SingleTaskFor(RingProblem problem, int rank, int source)
    {
        StepTasks tasks = TasksFor(problem, rank, source);
        return tasks.Count switch
        {
            0 => BlockTask.Skip(source),
            1 => tasks[0],
            _ => throw new NotSupportedException($"The window {problem.Window} splits the step of rank {rank} on the block of {source} into {tasks.Count} blocks."),
        };
    }

    /// <summary>The block rank <paramref name="rank"/> computes against the K/V of <paramref name="source"/>, without a window.</summary>
    public static BlockTask ForPair(RingProblem problem, int rank, int source)
    {
        RefusePacked(problem);
        if (problem.Window is not null)
        {
            return SingleTaskFor(problem, rank, source);
        }

        int length = problem.LocalLength;
        RowRange all = RowRange.All(length);
        if (problem.Mask == AttentionMask.None)
        {
            return new BlockTask(source, all, all, BlockMask.None);
        }

        switch (problem.Balance)
        {
            case LoadBalancing.None:
                // Contiguous shards: own block is causal, earlier blocks fully visible, later ones invisible.
                if (source == rank)
                {
                    return new BlockTask(source, all, all, BlockMask.Causal);
                }

                return source < rank ? new BlockTask(source, all, all, BlockMask.None) : BlockTask.Skip(source);

            case LoadBalancing.DualChunk:
            {
                // Local rows = [chunk r | chunk 2N-1-r]; both halves are c = L/2 rows.
                int half = length / 2;
                if (source == rank)
                {
                    return new BlockTask(source, all, all, BlockMask.Causal);
                }

                return source < rank
                    ? new BlockTask(source, all, new RowRange(0, half), BlockMask.None) // half KV: chunk s only
                    : new BlockTask(source, new RowRange(half, half), all, BlockMask.None); // half Q: chunk 2N-1-r only
            }

            case LoadBalancing.Striped:
                // Local row j is global j·N + r. Block of s <= r: key i visible iff i <= j (diagonal included).
                // Block of s > r: visible iff i < j, the causal mask on Q[1..L) x KV[0..L-1).
                if (source <= rank)
                {
                    return new BlockTask(source, all, all, BlockMask.Causal);
                }

                return length > 1
                    ? new BlockTask(source, new RowRange(1, length - 1), new RowRange(0, length - 1), BlockMask.Causal)
                    : BlockTask.Skip(source);

            default:
                throw new ArgumentOutOfRangeException(nameof(problem), problem.Balance, "Unknown load balancing.");
        }
    }

    /// <summary>Packed documents need a block per document; their tables come from <see cref="StepTaskTable"/>.</summary>
    private static void RefusePacked(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.Documents is not null)
        {
            throw new NotSupportedException("A packed (Thd) problem runs one block per document a step; read its steps from StepTaskTable.");
        }
    }

    private static int Modulo(int value, int modulus) => ((value % modulus) + modulus) % modulus;
}
