using RingAttention.Cli.Running.Distributed;
using RingAttention.Cuda;
using RingAttention.Cuda.Distributed;
using RingAttention.Distributed;
using static System.FormattableString;

namespace RingAttention.RankProbe;

/// <summary>
/// The NCCL ring across processes, checked: every rank runs its shard of forward and backward; rank 0 of each ring
/// gathers the outputs and compares them with the virtual ring on its own GPU (the same kernels in the same order: O and
/// LSE equal bit for bit; the gradients within a tenth of their own error, since cuDNN's backward sums dQ with atomics
/// in no fixed order), with float64, and with single-call cuDNN (the GPU accuracy bar: ≤ 1.5 × its error).
/// </summary>
internal static class RingProbe
{
    private const double AccuracyBar = 1.5;

    public static int Run(ProbeArguments a)
    {
        ProcessGroupEnvironment environment = ProcessGroupEnvironment.FromProcess();
        DeviceElementType type = a.Text("--dtype", "bf16") == "fp16" ? DeviceElementType.Float16 : DeviceElementType.BFloat16;
        var problem = new RingProblem
        {
            BatchSize = a.Int("--batch", 1),
            SequenceLength = a.Int("--seq", 512),
            QueryHeads = a.Int("--heads", 4),
            KeyValueHeads = a.Int("--kv-heads", 2),
            HeadDim = a.Int("--dim", 64),
            RingSize = a.Int("--cp", environment.WorldSize),
            Mask = a.Text("--mask", "causal") == "none" ? AttentionMask.None : AttentionMask.Causal,
            Balance = a.Text("--balance", "dual-chunk") switch
            {
                "striped" => LoadBalancing.Striped,
                "none" => LoadBalancing.None,
                _ => LoadBalancing.DualChunk,
            },
        };

        // Every rank draws the same full tensors (same seed) and keeps its shard; rank 0 also keeps the whole for checking.
        var random = new Random(a.Int("--seed", 20261129));
        float[] q = HostPrecision.Round(ProbeTensors.Uniform(random, problem.GlobalQueryShape.ElementCount), type);
        float[] k = HostPrecision.Round(ProbeTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount), type);
        float[] v = HostPrecision.Round(ProbeTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount), type);
        float[] dO = HostPrecision.Round(ProbeTensors.Uniform(random, problem.GlobalQueryShape.ElementCount), type);
        var sharding = new FullSequenceSharding(problem);

        using var group = CudaProcessGroup.Join(environment, new ProcessGroupOptions());
        NcclCommunicator ringGroup = group.ContextParallel(problem.RingSize);
        int rank = ringGroup.Rank;
        bool isRoot = rank == 0;
        using CudaRingRank ring = group.CreateRingRank(problem, type);
        using var tensors = new RankDeviceTensors(problem, type, group.Device, isRoot, backward: true);
        group.Guarded(() =>
        {
            tensors.Upload(sharding.ShardQuery(q)[rank], tensors.Query);
            tensors.Upload(sharding.ShardKeyValue(k)[rank], tensors.Key);
            tensors.Upload(sharding.ShardKeyValue(v)[rank], tensors.Value);
            tensors.Upload(sharding.ShardQuery(dO)[rank], tensors.OutputGradient!);
            ring.Forward(tensors.ForwardTensors, tensors.StreamPointer);
            ring.Backward(tensors.BackwardTensors, tensors.StreamPointer);
            foreach ((DeviceBuffer local, DeviceBuffer all) in new[]
            {
                (tensors.Output, tensors.AllOutputs), (tensors.Lse, tensors.AllLse), (tensors.QueryGradient!, tensors.AllQueryGradients!),
                (tensors.KeyGradient!, tensors.AllKeyGradients!), (tensors.ValueGradient!, tensors.AllValueGradients!),
            })
            {
                ringGroup.Gather(local.Tensor, all.Tensor, root: 0, tensors.StreamPointer);
            }

            group.Synchronize(tensors.StreamPointer);
        });

        if (!isRoot)
        {
            Console.WriteLine(Invariant($"rank {group.Rank}: done"));
            return 0;
        }

        float[] o = sharding.RestoreQuery(tensors.DownloadShards(tensors.AllOutputs));
        float[] lse = sharding.RestoreLse(tensors.DownloadFloatShards(tensors.AllLse));
        float[] dq = sharding.RestoreQuery(tensors.DownloadShards(tensors.AllQueryGradients!));
        float[] dk = sharding.RestoreKeyValue(tensors.DownloadShards(tensors.AllKeyGradients!));
        float[] dv = sharding.RestoreKeyValue(tensors.DownloadShards(tensors.AllValueGradients!));
        return Check(problem, type, q, k, v, dO, [o, lse, dq, dk, dv]);
    }

    /// <summary>Rank 0's verdict; prints one line per output and returns the exit code.</summary>
    private static int Check(RingProblem problem, DeviceElementType type, float[] q, float[] k, float[] v, float[] dO, float[][] distributed)
    {
        using var context = new CudaAttentionContext(0);
        using var virtualRing = new CudaRingAttention(problem, type, new CudaRingOptions { Context = context });
        AttentionOutput vo = virtualRing.ForwardFullSequence(q, k, v);
        AttentionGradients vg = virtualRing.BackwardFullSequence(q, k, v, vo.Output, vo.Lse, dO);
        AttentionOutput so = CudnnFullAttention.Forward(context, problem, type, q, k, v);
        AttentionGradients sg = CudnnFullAttention.Backward(context, problem, type, q, k, v, dO);
        (double[] ro, double[] rlse) = AttentionReference.Forward(problem, q, k, v);
        (double[] rdq, double[] rdk, double[] rdv) = AttentionReference.Backward(problem, q, k, v, dO);

        string[] names = ["O", "LSE", "dQ", "dK", "dV"];
        float[][] virtualOut = [vo.Output, vo.Lse, vg.QueryGradient, vg.KeyGradient, vg.ValueGradient];
        float[][] single = [so.Output, so.Lse, sg.QueryGradient, sg.KeyGradient, sg.ValueGradient];
        double[][] reference = [ro, rlse, rdq, rdk, rdv];
        bool pass = true;
        Console.WriteLine(Invariant($"ring of {problem.RingSize} processes: B={problem.BatchSize} S={problem.SequenceLength} H={problem.QueryHeads}/{problem.KeyValueHeads} D={problem.HeadDim} {problem.Mask} {problem.Balance} {type}"));
        for (int i = 0; i < names.Length; i++)
        {
            double maxDifference = MaxAbsDifference(distributed[i], virtualOut[i]);
            double difference = ProbeTensors.RelativeError(distributed[i], Array.ConvertAll(virtualOut[i], x => (double)x));
            double error = ProbeTensors.RelativeError(distributed[i], reference[i]);
            double singleError = ProbeTensors.RelativeError(single[i], reference[i]);

            // LSE is fp32 on both paths: its ratio means nothing below fp32's own rounding.
            double ratio = error / Math.Max(singleError, names[i] == "LSE" ? 1e-6 : double.Epsilon);
            bool forward = i < 2;
            bool matches = forward ? maxDifference == 0 : difference <= 0.1 * error;
            bool ok = matches && ratio <= AccuracyBar;
            pass &= ok;
            Console.WriteLine(Invariant($"  {(ok ? "PASS" : "FAIL")} {names[i],-3}: vs virtual ring ({(forward ? "bit for bit" : "within 0.1 x its error")}) rel. difference {difference:E2}, max |diff| {maxDifference:G3}; rel. error vs float64 {error:E3}, single cuDNN {singleError:E3}, ratio {ratio:F3} (bar {AccuracyBar})"));
        }

        Console.WriteLine(pass ? "RING PASS" : "RING FAIL");
        return pass ? 0 : 1;
    }

    private static double MaxAbsDifference(float[] a, float[] b)
    {
        double max = a.Length == b.Length ? 0 : double.PositiveInfinity;
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }
}
