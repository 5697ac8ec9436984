namespace RingAttention.Threading;

/// <summary>A <see cref="RankHub"/> whose members meet all at once, at one barrier, as a collective's do.</summary>
internal abstract class RankBarrierHub : RankHub
{
    private Barrier _barrier;

    /// <summary>A hub for <paramref name="size"/> members whose waits give up after <paramref name="timeout"/>.</summary>
    protected RankBarrierHub(int size, TimeSpan timeout)
        : base(size, timeout) => _barrier = new Barrier(size);

    /// <summary>Waits until every member arrived, for <paramref name="what"/> in <paramref name="operation"/>.</summary>
    protected void Meet(int rank, string operation, string what) => Meet(_barrier, rank, what, "in", operation, "group");

    /// <summary>Clears what the members posted.</summary>
    protected abstract void ClearPosted();

    /// <inheritdoc />
    protected override void ResetMembers()
    {
        _barrier.Dispose();
        _barrier = new Barrier(Size);
        ClearPosted();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _barrier.Dispose();
        }

        base.Dispose(disposing);
    }
}
