namespace RingAttention.Threading;

/// <summary>
/// N long-lived threads, one per rank, that run one body per call and then park. Ranks block on one another,
/// so each needs a thread of its own (a thread pool with fewer threads could deadlock); keeping the threads
/// between calls means a call starts no thread and allocates nothing.
/// </summary>
public sealed class RankThreads : IDisposable
{
    private readonly IRankFailureSignal _hub;
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _finished;
    private readonly Lock _failureGate = new();
    private readonly Lock _callGate = new();
    private Action<int>? _body;
    private Exception? _firstFailure;
    private int _failedRank;
    private volatile bool _disposed;

    /// <summary>Starts one parked thread per rank of the ring that <paramref name="hub"/> stops on a failure.</summary>
    public RankThreads(IRankFailureSignal hub)
    {
        ArgumentNullException.ThrowIfNull(hub);
        _hub = hub;
        _threads = new Thread[hub.Size];
        _start = new SemaphoreSlim[hub.Size];
        _finished = new CountdownEvent(hub.Size);
        for (int r = 0; r < hub.Size; r++)
        {
            _start[r] = new SemaphoreSlim(0);
            int rank = r;
            _threads[r] = new Thread(() => Serve(rank)) { IsBackground = true, Name = $"ring-rank-{rank}" };
            _threads[r].Start();
        }
    }

    /// <summary>
    /// Runs <paramref name="rankBody"/> for ranks 0..N-1 concurrently and returns when all have ended. If a rank
    /// throws, the hub is failed so every other rank stops at its next wait, and a
    /// <see cref="RingFailedException"/> carrying the first rank's own exception is thrown.
    /// </summary>
    public void Run(Action<int> rankBody)
    {
        ArgumentNullException.ThrowIfNull(rankBody);
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_callGate)
        {
            RunLocked(rankBody);
        }
    }

    private void RunLocked(Action<int> rankBody)
    {
        _hub.Reset();
        _firstFailure = null;
        _failedRank = -1;
        _body = rankBody;
        _finished.Reset();
        foreach (SemaphoreSlim start in _start)
        {
            start.Release();
        }

        _finished.Wait();
        _body = null;
        if (_firstFailure is not null)
        {
            throw new RingFailedException(_failedRank, _firstFailure);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (SemaphoreSlim start in _start)
        {
            start.Release(); // wakes each parked thread, which sees _disposed and ends
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        foreach (SemaphoreSlim start in _start)
        {
            start.Dispose();
        }

        _finished.Dispose();
    }

    private void Serve(int rank)
    {
        while (true)
        {
            _start[rank].Wait();
            if (_disposed)
            {
                return;
            }

            try
            {
                _body!(rank);
            }
            catch (Exception ex)
            {
                RecordFailure(rank, ex);
                _hub.Fail();
            }
            finally
            {
                _finished.Signal();
            }
        }
    }

    private void RecordFailure(int rank, Exception ex)
    {
        lock (_failureGate)
        {
            // A rank that was only told to stop is not the cause; keep the first real failure.
            if (_firstFailure is null || (ex is not RingAbortedException && _firstFailure is RingAbortedException))
            {
                _firstFailure = ex;
                _failedRank = rank;
            }
        }
    }
}
