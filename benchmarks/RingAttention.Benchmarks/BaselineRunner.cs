using RingAttention.Cuda;
using RingAttention.Cuda.Ring;

namespace RingAttention.Benchmarks;

/// <summary>The single-call cuDNN baseline over the whole sequence, on random inputs.</summary>
internal sealed class BaselineRunner : IAttentionRunner
{
    private readonly SingleCallAttention _call;

    public BaselineRunner(RingProblem problem, CudaAttentionContext context)
    {
        _call = new SingleCallAttention(context, SingleCallAttention.Plan(problem, DeviceElementType.BFloat16));
        try
        {
            DeviceRandom.Fill(_call.Query, _call.Device, 1);
            DeviceRandom.Fill(_call.KeyValue.Key, _call.Device, 2);
            DeviceRandom.Fill(_call.KeyValue.Value, _call.Device, 3);
            DeviceRandom.Fill(_call.OutputGradient, _call.Device, 4);

            // The whole forward (LSE included) gives the backward a consistent O and LSE; both warm up.
            _call.Forward();
            Backward();
            Synchronize();
        }
        catch
        {
            _call.Dispose();
            throw;
        }
    }

    /// <summary>The cuDNN workspace: the baseline holds no ring buffers.</summary>
    public long DeviceMemoryBytes => _call.WorkspaceBytes;

    /// <summary>The forward's cuDNN calls (for packed documents without the per-document LSE copies; see <see cref="SingleCallAttention.ForwardCalls"/>).</summary>
    public void Forward() => _call.ForwardCalls();

    public void Backward() => _call.Backward();

    public void Synchronize() => _call.Synchronize();

    public void Dispose() => _call.Dispose();
}
