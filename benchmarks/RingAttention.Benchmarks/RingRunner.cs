using RingAttention.Cuda;
using RingAttention.Cuda.Device;

namespace RingAttention.Benchmarks;

/// <summary>The public device API: N virtual ranks on one GPU, ordered on a caller stream.</summary>
internal sealed class RingRunner : IAttentionRunner
{
    private readonly DeviceBufferSet _buffers;
    private readonly CudaRingAttention _ring = null!;
    private readonly CudaStream _stream;
    private readonly DeviceTensor[] _q, _k, _v, _o, _lse, _dO, _dq, _dk, _dv;

    public RingRunner(RingProblem problem, CudaAttentionContext context, bool recordTimeline = false)
    {
        int n = problem.RingSize;
        (_q, _k, _v, _o, _lse, _dO, _dq, _dk, _dv) = (new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n],
            new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n], new DeviceTensor[n]);
        _stream = new CudaStream(context.Device);
        _buffers = new DeviceBufferSet(context.Device);
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
