namespace RingAttention.Testing;

/// <summary>
/// Managed bytes a call allocates on every thread of the process (the caller's and the rank threads alike), from
/// GC.GetTotalAllocatedBytes(precise: true). Linked into each test project as source; a test using it must not run
/// beside other tests.
/// </summary>
internal static class AllocationMeter
{
    /// <summary>
    /// Runs <paramref name="call"/> once to warm up, then <paramref name="rounds"/> rounds of <paramref name="calls"/>
    /// calls, and returns the least bytes per call of any round: an allocation the code makes shows in every round,
    /// while the runtime's own (tiering, the test runner's threads) comes and goes.
    /// </summary>
    public static long LeastBytesPerCall(Action call, int rounds = 5, int calls = 10)
    {
        call();
        long least = long.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            least = Math.Min(least, (GC.GetTotalAllocatedBytes(precise: true) - before) / calls);
        }

        return least;
    }
}
