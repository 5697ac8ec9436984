namespace RingAttention.Cpu;

/// <summary>Runs one body per rank on N dedicated threads and turns the first failure into a ring failure.</summary>
public static class ThreadedRing
{
    /// <summary>
    /// Runs <paramref name="rankBody"/> for ranks 0..N-1 concurrently (one thread each: ranks block on one
    /// another, so a thread pool with fewer threads could deadlock). If a rank throws, the hub is failed so
    /// every other rank stops at its next wait, and a <see cref="RingFailedException"/> carrying the first
    /// rank's exception is thrown once all threads ended.
    /// </summary>
    public static void Run(ThreadRingHub hub, Action<int> rankBody)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(rankBody);
        hub.Reset();

        int size = hub.Size;
        Exception? firstFailure = null;
        int failedRank = -1;
        object gate = new();

        void RunRank(int rank)
        {
            try
            {
                rankBody(rank);
            }
            catch (Exception ex)
            {
                lock (gate)
                {
                    // A rank that was only told to stop is not the cause; keep the first real failure.
                    bool isCause = ex is not RingAbortedException;
                    if (firstFailure is null || (isCause && firstFailure is RingAbortedException))
                    {
                        firstFailure = ex;
                        failedRank = rank;
                    }
                }

                hub.Fail();
            }
        }

        if (size == 1)
        {
            RunRank(0);
        }
        else
        {
            var threads = new Thread[size];
            for (int r = 0; r < size; r++)
            {
                int rank = r;
                threads[r] = new Thread(() => RunRank(rank)) { IsBackground = true, Name = $"ring-rank-{rank}" };
                threads[r].Start();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }
        }

        if (firstFailure is not null)
        {
            throw new RingFailedException(failedRank, firstFailure);
        }
    }
}
