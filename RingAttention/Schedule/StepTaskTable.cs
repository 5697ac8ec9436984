namespace RingAttention;

/// <summary>
/// One rank's blocks for every source rank, built once at plan time so that the ring loop reads a span per step and
/// allocates nothing. For one sequence it holds exactly <see cref="RingSchedule.TasksFor"/> (at most four blocks a
/// step); for packed documents (<see cref="PackedSchedule"/>) a step holds each document's blocks, as many as the
/// documents need. Any strategy that runs per-step blocks (the all-gather as well as the ring) can read it.
/// </summary>
internal sealed class StepTaskTable
{
    private readonly BlockTask[][] _bySource;

    /// <summary>The table of <paramref name="rank"/> in a validated <paramref name="problem"/>.</summary>
    public StepTaskTable(RingProblem problem, int rank)
    {
        ArgumentNullException.ThrowIfNull(problem);
        _bySource = new BlockTask[problem.RingSize][];
        for (int source = 0; source < problem.RingSize; source++)
        {
            _bySource[source] = problem.Documents is PackedDocuments documents
                ? PackedSchedule.TasksFor(problem, documents, rank, source)
                : ToArray(RingSchedule.TasksFor(problem, rank, source));
        }
    }

    /// <summary>The blocks against the K/V of <paramref name="source"/>; empty when the step is skipped.</summary>
    public ReadOnlySpan<BlockTask> For(int source) => _bySource[source];

    private static BlockTask[] ToArray(in StepTasks tasks)
    {
        var array = new BlockTask[tasks.Count];
        for (int k = 0; k < array.Length; k++)
        {
            array[k] = tasks[k];
        }

        return array;
    }
}
