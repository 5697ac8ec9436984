namespace RingAttention.Tests.Distributed.Coordination;

/// <summary>What one rank's body returned or threw.</summary>
internal readonly record struct RankOutcome<T>(T? Value, Exception? Error);

/// <summary>Runs one body per rank, each on a thread of its own (ranks block on one another), and never waits without a bound.</summary>
internal static class RankThreadsForTests
{
    /// <summary>Longer than any wait a test provokes; reaching it means something hangs.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    public static RankOutcome<T>[] Run<T>(int count, Func<int, T> body)
    {
        var outcomes = new RankOutcome<T>[count];
        var threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int rank = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    outcomes[rank] = new RankOutcome<T>(body(rank), null);
                }
                catch (Exception e)
                {
                    outcomes[rank] = new RankOutcome<T>(default, e);
                }
            })
            { IsBackground = true, Name = $"test-rank-{rank}" };
            threads[i].Start();
        }

        DateTime giveUp = DateTime.UtcNow + Bound;
        for (int i = 0; i < count; i++)
        {
            TimeSpan left = giveUp - DateTime.UtcNow;
            Assert.True(threads[i].Join(left > TimeSpan.Zero ? left : TimeSpan.Zero), $"rank {i} was still running after {Bound.TotalSeconds} s");
        }

        return outcomes;
    }

    public static void RunAll(int count, Action<int> body) =>
        Assert.All(Run(count, rank => { body(rank); return true; }), outcome => Assert.Null(outcome.Error));
}
