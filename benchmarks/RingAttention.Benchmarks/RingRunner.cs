using RingAttention.Cuda;
using RingAttention.Cuda.Device;

namespace RingAttention.Benchmarks;

/// <summary>The public device API: N virtual ranks on one GPU, ordered on a caller stream.</summary>
internal sealed class RingRunner : IAttentionRunner
{
    private readonly DeviceBufferSet _buffers;
    private readonly CudaRingAttention _ring = null!;
    private readonly CudaStream _stream;
    private readonly BackwardTensors<IReadOnlyList<DeviceTensor>> _shards;

    public RingRunner(RingProblem problem, CudaAttentionContext context, bool recordTimeline = false)
    {
        int n = problem.RingSize;
        DeviceTensor[] q = new DeviceTensor[n], k = new DeviceTensor[n], v = new DeviceTensor[n], o = new DeviceTensor[n], lse = new DeviceTensor[n];
        DeviceTensor[] dO = new DeviceTensor[n], dq = new DeviceTensor[n], dk = new DeviceTensor[n], dv = new DeviceTensor[n];
        _shards = new(q, k, v, o, lse, dO, dq, dk, dv);
        _stream = new CudaStream(context.Device);
        _buffers = new DeviceBufferSet(context.Device);
        try
        {
            _ring = new CudaRingAttention(problem, DeviceElementType.BFloat16, new CudaRingOptions { Context = context, Device = context.Device, RecordTimeline = recordTimeline });
            const DeviceElementType Half = DeviceElementType.BFloat16;
            for (int r = 0; r < n; r++)
            {
                q[r] = New(problem.LocalQueryElements, Half, 10 * r);
                k[r] = New(problem.LocalKeyValueElements, Half, (10 * r) + 1);
                v[r] = New(problem.LocalKeyValueElements, Half, (10 * r) + 2);
                o[r] = New(problem.LocalQueryElements, Half, null);
                lse[r] = New(problem.LocalLseElements, DeviceElementType.Float32, null);
                dO[r] = New(problem.LocalQueryElements, Half, (10 * r) + 3);
                dq[r] = New(problem.LocalQueryElements, Half, null);
                dk[r] = New(problem.LocalKeyValueElements, Half, null);
                dv[r] = New(problem.LocalKeyValueElements, Half, null);
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

    public void Forward() => _ring.Forward(_shards.Forward, _stream.Pointer);

    public void Backward() => _ring.Backward(_shards, _stream.Pointer);

    public void Synchronize() => _stream.Synchronize();

    public void Dispose()
    {
        _stream.Synchronize();
        _ring?.Dispose();
        _buffers.Dispose();
        _stream.Dispose();
    }

    private DeviceTensor New(long elements, DeviceElementType type, int? seed)
    {
        DeviceTensor tensor = _buffers.Allocate(elements, type);
        if (seed is int s)
        {
            DeviceRandom.Fill(tensor, _stream.Device, s);
        }

        return tensor;
    }
}
