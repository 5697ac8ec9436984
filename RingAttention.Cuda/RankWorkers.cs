namespace RingAttention.Cuda;

/// <summary>
/// N long-lived rank threads for the virtual ranks of one GPU (ranks block on one another, so each needs a thread of
/// its own). A call hands every thread the same body and waits for all of them, without allocating; the first real
/// failure fails the hub (so the other ranks stop at their next wait) and is thrown as a <see cref="RingFailedException"/>.
/// </summary>
internal sealed class RankWorkers : IDisposable
{
    private readonly VirtualRankHub _hub;
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _go;
    private readonly SemaphoreSlim _done = new(0);
    private readonly Lock _gate = new();
    private readonly Lock _callGate = new();
    private Action<int>? _body;
    private Exception? _firstFailure;
    private int _failedRank = -1;
    private volatile bool _stopping;

    public RankWorkers(VirtualRankHub hub)
    {
        _hub = hub;
        int size = hub.Size;
        _go = new SemaphoreSlim[size];
        _threads = new Thread[size];
        for (int r = 0; r < size; r++)
        {
            _go[r] = new SemaphoreSlim(0);
            int rank = r;
            _threads[r] = new Thread(() => Loop(rank)) { IsBackground = true, Name = $"cuda-ring-rank-{rank}" };
            _threads[r].Start();
        }
    }

    /// <summary>Runs <paramref name="body"/> for every rank concurrently and returns when all ended.</summary>
    public void Run(Action<int> body)
    {
        lock (_callGate)
        {
            _hub.Reset();
            _firstFailure = null;
            _failedRank = -1;
            _body = body;
            foreach (SemaphoreSlim go in _go)
            {
                go.Release();
            }

            for (int r = 0; r < _go.Length; r++)
            {
                _done.Wait();
            }

            _body = null;
            if (_firstFailure is not null)
            {
                throw new RingFailedException(_failedRank, _firstFailure);
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (SemaphoreSlim go in _go)
        {
            go.Release();
        }

        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        foreach (SemaphoreSlim go in _go)
        {
            go.Dispose();
        }

        _done.Dispose();
    }

    private void Loop(int rank)
    {
        while (true)
        {
            _go[rank].Wait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _body!(rank);
            }
#pragma warning disable CA1031 // Every failure of a rank is reported to the caller as the ring's failure.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                lock (_gate)
                {
                    // A rank that was only told to stop is not the cause; keep the first real failure.
                    bool isCause = ex is not RingAbortedException;
                    if (_firstFailure is null || (isCause && _firstFailure is RingAbortedException))
                    {
                        _firstFailure = ex;
                        _failedRank = rank;
                    }
                }

                _hub.Fail();
            }
            finally
            {
                _done.Release();
            }
        }
    }
}
