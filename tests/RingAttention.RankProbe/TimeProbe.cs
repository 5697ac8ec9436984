using System.Diagnostics;
using RingAttention.Cli.Running.Distributed;
using RingAttention.Cuda;
using RingAttention.Cuda.Distributed;
using RingAttention.Distributed;
using static System.FormattableString;

namespace RingAttention.RankProbe;

/// <summary>
/// Times one rank of a strategy across processes (one GPU each where the machine has them): after warm-up calls, the
/// fastest of <c>--iterations</c> forward passes and of as many backward passes, each measured from the call to the end of
/// <see cref="CudaProcessGroup.Synchronize"/> (transfers, merges and the final exchanges included). Every rank prints its
/// times; the slowest rank is the job's critical path. The inputs are random: timing only, no check.
/// </summary>
internal static class TimeProbe
{
    public static int Run(ProbeArguments a)
    {
        ProcessGroupEnvironment environment = ProcessGroupEnvironment.FromProcess();
        const DeviceElementType Type = DeviceElementType.BFloat16;
        var problem = new RingProblem
        {
            BatchSize = 1,
            SequenceLength = a.Int("--seq", 65536),
            QueryHeads = a.Int("--heads", 16),
            KeyValueHeads = a.Int("--kv-heads", 16),
            HeadDim = a.Int("--dim", 128),
            RingSize = environment.WorldSize,
            Mask = AttentionMask.Causal,
            Balance = LoadBalancing.DualChunk,
            Strategy = a.Strategy(),
            AllToAllSize = a.Int("--a2a-size", 0),
        };
        int iterations = a.Int("--iterations", 10);

        using var group = CudaProcessGroup.Join(environment, new ProcessGroupOptions());
        using CudaRingRank rank = group.CreateRingRank(problem, Type);
        using var tensors = new RankDeviceTensors(problem, Type, group.Device, isRoot: false, backward: true);
        var random = new Random(group.Rank + 1);
        group.Guarded(() =>
        {
            tensors.Upload(ProbeTensors.Uniform(random, problem.LocalQueryElements), tensors.Query);
            tensors.Upload(ProbeTensors.Uniform(random, problem.LocalKeyValueElements), tensors.Key);
            tensors.Upload(ProbeTensors.Uniform(random, problem.LocalKeyValueElements), tensors.Value);
            tensors.Upload(ProbeTensors.Uniform(random, problem.LocalQueryElements), tensors.OutputGradient!);
        });

        double forward = Fastest(group, tensors, iterations, () => rank.Forward(tensors.ForwardTensors, tensors.StreamPointer));
        double backward = Fastest(group, tensors, iterations, () => rank.Backward(tensors.BackwardTensors, tensors.StreamPointer));
        Console.WriteLine(Invariant(
            $"TIME rank {group.Rank}/{group.WorldSize} GPU {group.Device} {problem.Strategy}{(problem.AllToAllSize > 0 ? Invariant($" Na={problem.AllToAllSize}") : string.Empty)} S={problem.SequenceLength} H={problem.QueryHeads}/{problem.KeyValueHeads} D={problem.HeadDim}: forward {forward:F3} ms, backward {backward:F3} ms (fastest of {iterations} after 3 warm-up calls)"));
        return 0;
    }

    private static double Fastest(CudaProcessGroup group, RankDeviceTensors tensors, int iterations, Action call)
    {
        double best = double.MaxValue;
        for (int i = 0; i < iterations + 3; i++)
        {
            var clock = Stopwatch.StartNew();
            group.Guarded(call);
            group.Synchronize(tensors.StreamPointer);
            if (i >= 3)
            {
                best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
            }
        }

        return best;
    }
}
