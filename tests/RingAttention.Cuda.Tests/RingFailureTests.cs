using RingAttention.Backends;

namespace RingAttention.Cuda.Tests;

/// <summary>A rank that fails stops the whole ring (no hang), is reported, and the plan works again afterwards.</summary>
public sealed class RingFailureTests
{
    [Fact]
    public void A_failing_rank_fails_the_call_and_the_next_call_succeeds()
    {
        Gpu.Require();
        RingProblem problem = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk);
        var failing = new FailingKernels(rank: 2, step: 1);
        using var ring = new CudaRingAttention(problem, DeviceElementType.BFloat16, new CudaRingOptions { Context = Gpu.Context, ExchangeTimeout = TimeSpan.FromSeconds(30) }, failing.Wrap);
        var random = new Random(TestTensors.FreshSeed());
        float[] q = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount), DeviceElementType.BFloat16);
        float[] kv = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount), DeviceElementType.BFloat16);

        RingFailedException e = Assert.Throws<RingFailedException>(() => ring.ForwardFullSequence(q, kv, kv));
        Assert.Equal(2, e.Rank);
        Assert.IsType<InvalidOperationException>(e.InnerException);

        failing.Enabled = false;
        AttentionOutput output = ring.ForwardFullSequence(q, kv, kv);
        (double[] expected, _) = AttentionReference.Forward(problem, q, kv, kv);
        double error = TestTensors.RelativeError(output.Output, expected, "O after a failed call");
        Assert.True(error < 2.5e-2, $"relative error {error} after a failed call");
    }

    private sealed class FailingKernels(int rank, int step)
    {
        public volatile bool Enabled = true;

        public IBlockAttentionKernel<DeviceTensor> Wrap(int r, IBlockAttentionKernel<DeviceTensor> inner) =>
            r == rank ? new Failing(inner, this, step) : inner;

        private sealed class Failing(IBlockAttentionKernel<DeviceTensor> inner, FailingKernels owner, int failAt) : IBlockAttentionKernel<DeviceTensor>
        {
            private int _calls;

            public void Forward(in BlockTask task, in BlockForwardTensors<DeviceTensor> tensors)
            {
                if (owner.Enabled && _calls++ == failAt)
                {
                    throw new InvalidOperationException("injected failure");
                }

                inner.Forward(task, tensors);
            }

            public void Backward(in BlockTask task, in BlockBackwardTensors<DeviceTensor> tensors) => inner.Backward(task, tensors);
        }
    }
}
