using System.Globalization;

namespace RingAttention.Threading;

/// <summary>
/// What every meeting point of rank threads shares: a failure cancels every wait, and a wait that outlasts the
/// timeout fails the group, so no rank hangs on a dead neighbour. Waits allocate nothing unless they throw.
/// </summary>
internal abstract class RankHub : IRankFailureSignal, IDisposable
{
    private CancellationTokenSource _failure = new();

    /// <summary>A hub for <paramref name="size"/> ranks whose waits give up after <paramref name="timeout"/>.</summary>
    protected RankHub(int size, TimeSpan timeout)
    {
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, string.Create(CultureInfo.InvariantCulture, $"size must be at least 1, got {size}."));
        }

        if (timeout <= TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must be positive or infinite.");
        }

        Size = size;
        Timeout = timeout;
    }

    /// <inheritdoc />
    public int Size { get; }

    /// <summary>How long one wait may last before the group is declared stuck.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>True once <see cref="Fail"/> was called since the last <see cref="Reset"/>.</summary>
    public bool HasFailed => _failure.IsCancellationRequested;

    /// <inheritdoc />
    public void Fail() => _failure.Cancel();

    /// <inheritdoc />
    public void Reset()
    {
        if (!HasFailed)
        {
            return; // a clean run leaves every wait handle and every posted slot as it started
        }

        _failure.Dispose();
        _failure = new CancellationTokenSource();
        ResetMembers();
    }

    /// <summary>
    /// Waits on <paramref name="signal"/> for <paramref name="rank"/>; the messages name <paramref name="what"/> it
    /// waited for, <paramref name="preposition"/> <paramref name="place"/>, and the <paramref name="group"/> stuck.
    /// </summary>
    protected void Wait<TPlace>(SemaphoreSlim signal, int rank, string what, string preposition, TPlace place, string group)
    {
        bool signalled;
        try
        {
            signalled = signal.Wait(Timeout, _failure.Token);
        }
        catch (OperationCanceledException)
        {
            throw Aborted(rank, what, preposition, place);
        }

        if (!signalled)
        {
            throw Stuck(rank, what, preposition, place, group);
        }
    }

    /// <summary>Signals <paramref name="barrier"/> and waits for the others, as <see cref="Wait"/> does.</summary>
    protected void Meet<TPlace>(Barrier barrier, int rank, string what, string preposition, TPlace place, string group)
    {
        bool met;
        try
        {
            met = barrier.SignalAndWait(Timeout, _failure.Token);
        }
        catch (OperationCanceledException)
        {
            throw Aborted(rank, what, preposition, place);
        }

        if (!met)
        {
            throw Stuck(rank, what, preposition, place, group);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Drops what the members left after a failed run, so that the next run starts clean.</summary>
    protected abstract void ResetMembers();

    /// <summary>Releases the failure signal (and, in a derived hub, its wait handles).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _failure.Dispose();
        }
    }

    private static RingAbortedException Aborted<TPlace>(int rank, string what, string preposition, TPlace place) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"Rank {rank} stopped waiting for {what} {preposition} {place}: another rank failed."));

    private TimeoutException Stuck<TPlace>(int rank, string what, string preposition, TPlace place, string group)
    {
        Fail();
        return new TimeoutException(string.Create(CultureInfo.InvariantCulture,
            $"Rank {rank} waited {Timeout.TotalSeconds:0.###} s for {what} {preposition} {place}; the {group} is stuck."));
    }
}
