using BenchmarkDotNet.Attributes;

namespace RingAttention.Benchmarks;

/// <summary>
/// The benchmarks. Each case is planned in <see cref="Setup"/> (buffers, random data, cuDNN graphs, one warm-up forward
/// and backward), and each measured operation enqueues one pass and waits for the stream, so the wall time BenchmarkDotNet
/// measures is the GPU time of the pass plus its host-side launch cost.
/// </summary>
public class AttentionBenchmarks
{
    private IAttentionRunner? _runner;
    private string _id = string.Empty;

    /// <summary>The cases to run; <see cref="Program"/> sets them before BenchmarkDotNet reads <see cref="Cases"/>.</summary>
    public static IReadOnlyList<BenchCase> Selected { get; set; } = [];

    /// <summary>The case (BenchmarkDotNet sets it from <see cref="Cases"/>).</summary>
    [ParamsSource(nameof(Cases))]
    public BenchCase Case { get; set; } = null!;

    /// <summary>The values of <see cref="Case"/>.</summary>
    public static IEnumerable<BenchCase> Cases => Selected;

    /// <summary>Plans the case.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _id = Case.Id;
        _runner = AttentionRunners.Create(Case);
    }

    /// <summary>Frees the case's device memory.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _runner?.Dispose();
        _runner = null;
    }

    /// <summary>One forward, waited for.</summary>
    [Benchmark]
    public void Forward()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        _runner!.Forward();
        _runner.Synchronize();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        AttentionRunners.ThreadAllocatedBytes[(_id, Pass.Forward)] = allocated;
    }

    /// <summary>One backward, waited for.</summary>
    [Benchmark]
    public void Backward()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        _runner!.Backward();
        _runner.Synchronize();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        AttentionRunners.ThreadAllocatedBytes[(_id, Pass.Backward)] = allocated;
    }
}
