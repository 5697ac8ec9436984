namespace RingAttention;

/// <summary>
/// The blocks of one ring step: usually one, none when the step is skipped, and up to four when a sliding window
/// cuts a dual-chunk rank's two chunks under different bands. Each one is computed and merged on its own (the LSE
/// merge works per row). A struct with inline slots so that the ring loop allocates nothing.
/// </summary>
internal struct StepTasks
{
    /// <summary>The most tasks a step can hold (2 query chunks × 2 key chunks).</summary>
    public const int Capacity = 4;

    private BlockTask _t0;
    private BlockTask _t1;
    private BlockTask _t2;
    private BlockTask _t3;

    /// <summary>How many tasks the step runs; 0 when no key of the block is visible.</summary>
    public int Count { get; private set; }

    /// <summary>Task <paramref name="index"/> in [0, <see cref="Count"/>).</summary>
    public readonly BlockTask this[int index] => (uint)index >= (uint)Count
        ? throw new ArgumentOutOfRangeException(nameof(index))
        : index switch { 0 => _t0, 1 => _t1, 2 => _t2, _ => _t3 };

    /// <summary>Adds <paramref name="task"/> unless it is skipped.</summary>
    public void Add(in BlockTask task)
    {
        if (task.IsSkipped)
        {
            return;
        }

        switch (Count)
        {
            case 0:
                _t0 = task;
                break;
            case 1:
                _t1 = task;
                break;
            case 2:
                _t2 = task;
                break;
            case 3:
                _t3 = task;
                break;
            default:
                throw new InvalidOperationException("A ring step holds at most four blocks.");
        }

        Count++;
    }
}
