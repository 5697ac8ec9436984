using System.Collections.Concurrent;
using RingAttention.Cuda;

namespace RingAttention.Benchmarks;

/// <summary>Makes the runner of a case and remembers what each one reported at plan time.</summary>
internal static class AttentionRunners
{
    private static readonly Lazy<CudaAttentionContext> SharedContext = new(() => new CudaAttentionContext(0));

    /// <summary>Device memory per rank, by case id, recorded at plan time.</summary>
    public static ConcurrentDictionary<string, long> MemoryBytes { get; } = new();

    /// <summary>
    /// Managed bytes the calling thread allocated in the last invocation of each (case, pass): the last one is always after
    /// the warm-up. Unlike BenchmarkDotNet's process-wide count, no other thread's allocation (the runtime's or the
    /// harness's) lands in it; the ring's own rank threads are not counted either (the process-wide count has them).
    /// </summary>
    public static ConcurrentDictionary<(string Id, Pass Pass), long> ThreadAllocatedBytes { get; } = new();

    /// <summary>One cuDNN context (graph cache) for the whole run, on device 0; never disposed (cuDNN handles are left to the process exit).</summary>
    public static CudaAttentionContext Context => SharedContext.Value;

    public static IAttentionRunner Create(BenchCase c)
    {
        IAttentionRunner runner = c.Kind switch
        {
            CaseKind.Baseline => new BaselineRunner(c.Problem, Context),
            CaseKind.CriticalPath => CudaRankReplay.ForRank(c.Problem, c.Rank, Context),
            CaseKind.StrategyKernels => StrategyKernels.Create(c, Context),
            _ => new RingRunner(c.Problem, Context),
        };
        MemoryBytes[c.Id] = runner.DeviceMemoryBytes;
        return runner;
    }
}
