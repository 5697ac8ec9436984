using System.Globalization;
using RingAttention.Threading;

namespace RingAttention.Strategies;

/// <summary>
/// The meeting point of N CPU rank threads for collectives: each member posts its send buffer, waits until all have
/// posted, reads what it needs from the others' buffers, and waits again until all have read, after which every send
/// buffer may be reused. A failure cancels every wait; a wait past the timeout fails the group, so no member hangs.
/// </summary>
internal sealed class ThreadCollectiveHub : IRankFailureSignal, IDisposable
{
    private readonly Memory<float>[] _posted;
    private CancellationTokenSource _failure = new();
    private Barrier _barrier;

    /// <summary>A hub for <paramref name="size"/> members whose waits give up after <paramref name="timeout"/>.</summary>
    public ThreadCollectiveHub(int size, TimeSpan timeout)
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
        _posted = new Memory<float>[size];
        _barrier = new Barrier(size);
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
            return;
        }

        _failure.Dispose();
        _failure = new CancellationTokenSource();
        _barrier.Dispose();
        _barrier = new Barrier(Size);
        Array.Clear(_posted);
    }

    /// <summary>
    /// First half of one collective for <paramref name="rank"/>: posts <paramref name="send"/> and returns every
    /// member's posted buffer once all have posted. The caller reads what it needs, then calls <see cref="Leave"/>.
    /// Split in two (rather than taking a callback) so that a collective allocates nothing.
    /// </summary>
    public ReadOnlySpan<Memory<float>> Arrive(int rank, Memory<float> send, string operation)
    {
        _posted[rank] = send;
        Meet(rank, operation, "every member to post its buffer");
        return _posted;
    }

    /// <summary>Second half: waits until every member has read, after which every send buffer may be reused.</summary>
    public void Leave(int rank, string operation) => Meet(rank, operation, "every member to read the buffers");

    /// <inheritdoc />
    public void Dispose()
    {
        _failure.Dispose();
        _barrier.Dispose();
    }

    private void Meet(int rank, string operation, string what)
    {
        bool met;
        try
        {
            met = _barrier.SignalAndWait(Timeout, _failure.Token);
        }
        catch (OperationCanceledException)
        {
            throw new RingAbortedException(string.Create(CultureInfo.InvariantCulture,
                $"Rank {rank} stopped waiting for {what} in {operation}: another rank failed."));
        }

        if (!met)
        {
            Fail();
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"Rank {rank} waited {Timeout.TotalSeconds:0.###} s for {what} in {operation}; the group is stuck."));
        }
    }
}
