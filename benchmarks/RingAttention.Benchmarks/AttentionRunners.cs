using System.Collections.Concurrent;
using RingAttention.Cuda;

namespace RingAttention.Benchmarks;

/// <summary>One planned case on the GPU: enqueue a pass, wait for it.</summary>
internal interface IAttentionRunner : IDisposable
{
    /// <summary>Device memory per rank (or the baseline's cuDNN workspace), without the caller's tensors.</summary>
    long DeviceMemoryBytes { get; }

    void Forward();

    void Backward();

    void Synchronize();
}

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
            CaseKind.Baseline => new ReplayRunner(CudaRankReplay.ForFullSequence(c.Problem, Context)),
            CaseKind.CriticalPath => new ReplayRunner(CudaRankReplay.ForRank(c.Problem, c.Rank, Context)),
            _ => new RingRunner(c.Problem, Context),
        };
        MemoryBytes[c.Id] = runner.DeviceMemoryBytes;
        return runner;
    }

    private sealed class ReplayRunner(CudaRankReplay replay) : IAttentionRunner
    {
        public long DeviceMemoryBytes => replay.DeviceMemoryBytes;

        public void Forward() => replay.Forward();

        public void Backward() => replay.Backward();

        public void Synchronize() => replay.Synchronize();

        public void Dispose() => replay.Dispose();
    }

    /// <summary>The public device API: N virtual ranks on one GPU, ordered on a caller stream.</summary>
    internal sealed class RingRunner : IAttentionRunner
    {
        private readonly List<DeviceBuffer> _buffers = [];
        private readonly CudaRingAttention _ring;
        private readonly CudaStream _stream;
        private readonly DeviceTensor[] _q, _k, _v, _o, _lse, _dO, _dq, _dk, _dv;

        public RingRunner(RingProblem problem, CudaAttentionContext context, bool recordTimeline = false)
        {
            int n = problem.RingSize;
            (_q, _k, _v, _o, _lse, _dO, _dq, _dk, _dv) = (new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n],
                new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n]);
            _stream = new CudaStream(context.Device);
            try
            {
                _ring = new CudaRingAttention(problem, DeviceElementType.BFloat16, new CudaRingOptions { Context = context, Device = context.Device, RecordTimeline = recordTimeline });
                const DeviceElementType Half = DeviceElementType.BFloat16;
                for (int r = 0; r < n; r++)
                {
                    _q[r] = New(problem.LocalQueryElements, Half, 10 * r);
                    _k[r] = New(problem.LocalKeyValueElements, Half, (10 * r) + 1);
                    _v[r] = New(problem.LocalKeyValueElements, Half, (10 * r) + 2);
                    _o[r] = New(problem.LocalQueryElements, Half, null);
                    _lse[r] = New(problem.LocalLseElements, DeviceElementType.Float32, null);
                    _dO[r] = New(problem.LocalQueryElements, Half, (10 * r) + 3);
                    _dq[r] = New(problem.LocalQueryElements, Half, null);
                    _dk[r] = New(problem.LocalKeyValueElements, Half, null);
                    _dv[r] = New(problem.LocalKeyValueElements, Half, null);
                }

                // The forward gives the backward a consistent O and LSE; both warm up.
                Forward();
                Backward();
                Synchronize();
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public long DeviceMemoryBytes => _ring.DeviceMemoryPerRankBytes;

        /// <summary>The timeline of the last call (needs recordTimeline).</summary>
        public RingTimeline ReadTimeline() => _ring.ReadTimeline();

        public void Forward() => _ring.Forward(_q, _k, _v, _o, _lse, _stream.Pointer);

        public void Backward() => _ring.Backward(_q, _k, _v, _o, _lse, _dO, _dq, _dk, _dv, _stream.Pointer);

        public void Synchronize() => _stream.Synchronize();

        public void Dispose()
        {
            _stream.Synchronize();
            _ring?.Dispose();
            foreach (DeviceBuffer buffer in _buffers)
            {
                buffer.Dispose();
            }

            _buffers.Clear();
            _stream.Dispose();
        }

        private DeviceTensor New(long elements, DeviceElementType type, int? seed)
        {
            DeviceBuffer buffer = DeviceBuffer.Allocate(elements, type, _stream.Device);
            _buffers.Add(buffer);
            if (seed is int s)
            {
                CudaRankReplay.FillRandom(buffer.Tensor, _stream.Device, s);
            }

            return buffer.Tensor;
        }
    }
}
