namespace RingAttention.Threading;

/// <summary>
/// N long-lived threads, one per rank, that run one body per call and then park. Ranks block on one another,
/// so each needs a thread of its own (a thread pool with fewer threads could deadlock); keeping the threads
/// between calls means a call starts no thread and allocates nothing. A ring of one has nobody to wait for: its body
/// runs on the calling thread, which saves the hand-off (tens of microseconds, all of them on a GPU call's critical path).
/// </summary>
internal sealed class RankThreads : IDisposable
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
        int threads = hub.Size == 1 ? 0 : hub.Size;
        _threads = new Thread[threads];
        _start = new SemaphoreSlim[threads];
        _finished = new CountdownEvent(hub.Size);
        for (int r = 0; r < threads; r++)
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
        if (_threads.Length == 0)
        {
            RunInline(rankBody);
            return;
        }

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

    private void RunInline(Action<int> rankBody)
    {
        try
        {
            rankBody(0);
        }
        catch (Exception ex)
        {
            _hub.Fail();
            throw new RingFailedException(0, ex);
        }
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
