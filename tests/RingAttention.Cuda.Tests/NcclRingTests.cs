using System.Globalization;
using RingAttention.Interop;

namespace RingAttention.Cuda.Tests;

/// <summary>
/// One rank per GPU through NCCL (<see cref="CudaRingRank"/>), each rank on its own thread and device, against the
/// virtual-rank ring on the same inputs. Needs as many CUDA devices as ranks (NCCL cannot put two ranks on one GPU).
/// </summary>
public sealed class NcclRingTests
{
    [Theory]
    [InlineData(2, false, ContextParallelStrategy.Ring)]
    [InlineData(4, false, ContextParallelStrategy.Ring)]
    [InlineData(4, true, ContextParallelStrategy.Ring)]
    [InlineData(4, false, ContextParallelStrategy.AllGather)]
    [InlineData(4, false, ContextParallelStrategy.AllToAll)]
    [InlineData(4, true, ContextParallelStrategy.AllToAllThenRing)]
    public void Nccl_ranks_give_the_virtual_rings_results(int ringSize, bool window, ContextParallelStrategy strategy)
    {
        Gpu.Require();
        int devices = NativeRuntime.DeviceCount();
        if (devices < ringSize)
        {
            Assert.Skip(string.Create(CultureInfo.InvariantCulture, $"GPU test skipped: {ringSize} NCCL ranks need {ringSize} CUDA devices, {devices} visible."));
        }

        RingProblem shape = TestTensors.Problem(ringSize, AttentionMask.Causal, LoadBalancing.DualChunk, batch: 1, queryHeads: 4, keyValueHeads: 2);
        int inner = strategy == ContextParallelStrategy.AllToAllThenRing ? 2 : 0;
        RingProblem problem = shape with { Window = window ? AttentionWindow.Causal(40) : null, Strategy = strategy, AllToAllSize = inner };
        const DeviceElementType Type = DeviceElementType.BFloat16;
        var random = new Random(TestTensors.FreshSeed());
        (float[] q, float[] k, float[] v, float[] dO) = TestTensors.RoundedInputs(problem, Type, random);

        AttentionOutput expectedOut;
        AttentionGradients expectedGrad;
        using (var ring = new CudaRingAttention(problem, Type, new CudaRingOptions { Context = Gpu.Context }))
        {
            expectedOut = ring.ForwardFullSequence(q, k, v);
            expectedGrad = ring.BackwardFullSequence(q, k, v, expectedOut.Output, expectedOut.Lse, dO);
        }

        SequenceAxis qAxis = problem.GlobalQueryShape.SequenceAxis;
        SequenceAxis kvAxis = problem.GlobalKeyValueShape.SequenceAxis;
        float[][] qShards = SequenceReorder.Shard<float>(q, qAxis, problem.Balance, ringSize);
        float[][] kShards = SequenceReorder.Shard<float>(k, kvAxis, problem.Balance, ringSize);
        float[][] vShards = SequenceReorder.Shard<float>(v, kvAxis, problem.Balance, ringSize);
        float[][] dOShards = SequenceReorder.Shard<float>(dO, qAxis, problem.Balance, ringSize);
        var o = new float[ringSize][];
        var dq = new float[ringSize][];
        var dk = new float[ringSize][];
        var dv = new float[ringSize][];
        var failures = new Exception?[ringSize];
        byte[] id = NcclCommunicator.CreateUniqueId();

        // No rank allocates or frees device memory while another runs NCCL kernels (NCCL's advice for one process
        // driving several GPUs): plan everywhere, then run, then tear down.
        using var planned = new Barrier(ringSize);
        using var finished = new Barrier(ringSize);

        var threads = new Thread[ringSize];
        for (int r = 0; r < ringSize; r++)
        {
            int rank = r;
            threads[r] = new Thread(() =>
            {
                try
                {
                    using var communicator = new NcclCommunicator(id, ringSize, rank, device: rank, timeout: TimeSpan.FromMinutes(2));
                    using var plan = new CudaRingRank(problem, Type, communicator);
                    using var stream = new CudaStream(rank);
                    using DeviceBuffer bq = HalfBuffers.Upload(qShards[rank], Type, rank);
                    using DeviceBuffer bk = HalfBuffers.Upload(kShards[rank], Type, rank);
                    using DeviceBuffer bv = HalfBuffers.Upload(vShards[rank], Type, rank);
                    using DeviceBuffer bdO = HalfBuffers.Upload(dOShards[rank], Type, rank);
                    using var bo = DeviceBuffer.Allocate(problem.LocalQueryElements, Type, rank);
                    using var blse = DeviceBuffer.Allocate(problem.LocalLseElements, DeviceElementType.Float32, rank);
                    using var bdq = DeviceBuffer.Allocate(problem.LocalQueryElements, Type, rank);
                    using var bdk = DeviceBuffer.Allocate(problem.LocalKeyValueElements, Type, rank);
                    using var bdv = DeviceBuffer.Allocate(problem.LocalKeyValueElements, Type, rank);
                    Assert.True(planned.SignalAndWait(TimeSpan.FromMinutes(2)), "another rank failed to plan");
                    plan.Forward(new(bq.Tensor, bk.Tensor, bv.Tensor, bo.Tensor, blse.Tensor), stream.Pointer);
                    plan.Backward(new(bq.Tensor, bk.Tensor, bv.Tensor, bo.Tensor, blse.Tensor, bdO.Tensor, bdq.Tensor, bdk.Tensor, bdv.Tensor), stream.Pointer);
                    stream.Synchronize();
                    Assert.True(finished.SignalAndWait(TimeSpan.FromMinutes(2)), "another rank failed to finish");
                    o[rank] = HalfBuffers.Download(bo, Type);
                    dq[rank] = HalfBuffers.Download(bdq, Type);
                    dk[rank] = HalfBuffers.Download(bdk, Type);
                    dv[rank] = HalfBuffers.Download(bdv, Type);
                }
#pragma warning disable CA1031 // reported below, per rank
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failures[rank] = e;
                }
            })
            { IsBackground = true, Name = $"nccl-rank-{rank}" };
            threads[r].Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(5)), "an NCCL rank did not finish within 5 minutes");
        }

        for (int r = 0; r < ringSize; r++)
        {
            Assert.Null(failures[r]);
        }

        AssertClose(expectedOut.Output, SequenceReorder.Restore(o, qAxis, problem.Balance), "O");
        AssertClose(expectedGrad.QueryGradient, SequenceReorder.Restore(dq, qAxis, problem.Balance), "dQ");
        AssertClose(expectedGrad.KeyGradient, SequenceReorder.Restore(dk, kvAxis, problem.Balance), "dK");
        AssertClose(expectedGrad.ValueGradient, SequenceReorder.Restore(dv, kvAxis, problem.Balance), "dV");
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        double error = TestTensors.RelativeError(actual, Array.ConvertAll(expected, x => (double)x), what);
        Assert.True(error < 1e-2, $"{what}: relative difference {error} between NCCL ranks and virtual ranks");
    }
}
