using System.Globalization;
using RingAttention.Interop;
using RingAttention.Threading;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// The meeting point of N virtual ranks (threads on one GPU) for collectives. A member posts its send buffer with the
/// event recorded once the buffer was written; once all have posted, each enqueues its own reads of the others'
/// buffers (its stream waits on their events) and posts the event recorded after them; once all have, each member's
/// stream waits on the others' events before it may overwrite its send buffer. The host only exchanges handles, every
/// data dependency is a CUDA event. A failure cancels every wait; a wait past the timeout fails the group.
/// </summary>
internal sealed class VirtualCollectiveHub : IRankFailureSignal, IDisposable
{
    private readonly VirtualRankParcel[] _posted;
    private readonly SafeCudaEventHandle?[] _read;
    private CancellationTokenSource _failure = new();
    private Barrier _barrier;

    /// <summary>A hub for <paramref name="size"/> members whose waits give up after <paramref name="timeout"/>.</summary>
    public VirtualCollectiveHub(int size, TimeSpan timeout)
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
        _posted = new VirtualRankParcel[size];
        _read = new SafeCudaEventHandle?[size];
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
        Array.Clear(_read);
    }

    /// <summary>Posts member <paramref name="rank"/>'s send buffer and waits until every member has posted.</summary>
    public void Post(int rank, in VirtualRankParcel parcel, string operation)
    {
        _posted[rank] = parcel;
        Meet(rank, operation, "every member to post its buffer");
    }

    /// <summary>What <paramref name="member"/> posted; valid between <see cref="Post"/> and <see cref="Finish"/>.</summary>
    public VirtualRankParcel PostedBy(int member) => _posted[member];

    /// <summary>Posts the event after member <paramref name="rank"/>'s reads and waits until every member has.</summary>
    public void Finish(int rank, SafeCudaEventHandle read, string operation)
    {
        _read[rank] = read;
        Meet(rank, operation, "every member to enqueue its reads");
    }

    /// <summary>The event after <paramref name="member"/>'s reads; valid after <see cref="Finish"/>, until the next one.</summary>
    public SafeCudaEventHandle ReadBy(int member) => _read[member]!;

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
