using RingAttention.Cuda.Ring;
using static System.FormattableString;

namespace RingAttention.Cuda;

/// <summary>
/// Full-sequence attention in one cuDNN call per pass on one GPU (no ring, no reorder): the yardstick for the ring's
/// precision. Inputs are rounded to the element type on upload exactly as the ring's are.
/// </summary>
public static class CudnnFullAttention
{
    /// <summary>O (decoded to float32) and LSE ([B, Hq, S]) of <paramref name="problem"/> on the full sequence; RingSize and Balance are ignored.</summary>
    public static AttentionOutput Forward(CudaAttentionContext context, RingProblem problem, DeviceElementType elementType, float[] query, float[] key, float[] value)
    {
        using SingleCallAttention run = Start(context, problem, elementType, query, key, value);
        run.Forward();
        return new AttentionOutput(run.Download(run.Output), run.Download(run.Lse));
    }

    /// <summary>dQ, dK, dV of the full sequence for <paramref name="outputGradient"/>, from this class's own forward.</summary>
    public static AttentionGradients Backward(
        CudaAttentionContext context, RingProblem problem, DeviceElementType elementType, float[] query, float[] key, float[] value, float[] outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        using SingleCallAttention run = Start(context, problem, elementType, query, key, value, outputGradient);
        run.Forward();
        run.Backward();
        return new AttentionGradients(
            run.Download(run.QueryGradient),
            run.Download(run.KeyValueGradient.Key),
            run.Download(run.KeyValueGradient.Value));
    }

    /// <summary>Checks every input before any GPU work, then plans the call and uploads the inputs.</summary>
    private static SingleCallAttention Start(
        CudaAttentionContext context, RingProblem problem, DeviceElementType elementType, float[] query, float[] key, float[] value, float[]? outputGradient = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        CudaTensorGeometry geometry = SingleCallAttention.Plan(problem, elementType);
        Check(query, geometry.QueryElements, nameof(query));
        Check(key, geometry.KeyValuePlaneElements, nameof(key));
        Check(value, geometry.KeyValuePlaneElements, nameof(value));
        if (outputGradient is not null)
        {
            Check(outputGradient, geometry.QueryElements, nameof(outputGradient));
        }

        var run = new SingleCallAttention(context, geometry);
        try
        {
            run.Upload(query, run.Query);
            run.Upload(key, run.KeyValue.Key);
            run.Upload(value, run.KeyValue.Value);
            if (outputGradient is not null)
            {
                run.Upload(outputGradient, run.OutputGradient);
            }

            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    private static void Check(float[] data, long elements, string name)
    {
        if (data.Length != elements)
        {
            throw new ArgumentException(Invariant($"{name} has {data.Length} elements, expected {elements}."), name);
        }
    }
}
