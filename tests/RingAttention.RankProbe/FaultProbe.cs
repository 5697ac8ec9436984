using System.Diagnostics;
using System.Globalization;
using RingAttention.Cli.Running.Distributed;
using RingAttention.Cuda;
using RingAttention.Cuda.Distributed;
using RingAttention.Distributed;
using static System.FormattableString;

namespace RingAttention.RankProbe;

/// <summary>
/// One injected fault in a ring of processes: every rank runs forward calls in a loop, and rank R misbehaves at call K
/// ("kill": SIGKILLs itself; "raise": throws; "hang": stops calling, alive; "absent": never joins; "mismatch": plans
/// a longer sequence than the others, which every rank must refuse before any exchange), under any strategy
/// (--strategy, --a2a-size: its collectives and split communicators must end as the ring's do). Each line carries
/// the Unix time in ms, so the script can tell how long each survivor took to learn of the fault.
/// </summary>
internal static class FaultProbe
{
    public static int Run(ProbeArguments a)
    {
        ProcessGroupEnvironment environment = ProcessGroupEnvironment.FromProcess();
        string kind = a.Text("--kind", "kill");
        int faultyRank = a.Int("--rank", 1);
        int afterCalls = a.Int("--after-calls", 3);
        bool faulty = environment.Rank == faultyRank;
        if (faulty && kind == "absent")
        {
            Say("FAULT absent: this rank never joins");
            Thread.Sleep(Timeout.Infinite);
        }

        var problem = new RingProblem
        {
            BatchSize = 1,
            SequenceLength = a.Int("--seq", 8192) * (faulty && kind == "mismatch" ? 2 : 1),
            QueryHeads = 8,
            KeyValueHeads = 8,
            HeadDim = 64,
            RingSize = environment.WorldSize,
            Mask = AttentionMask.Causal,
            Balance = LoadBalancing.DualChunk,
            Strategy = a.Strategy(),
            AllToAllSize = a.Int("--a2a-size", 0),
        };
        var options = new ProcessGroupOptions
        {
            JoinTimeout = TimeSpan.FromSeconds(a.Double("--join-timeout-s", 30)),
            OperationTimeout = TimeSpan.FromSeconds(a.Double("--timeout-s", 600)),
        };
        var clock = Stopwatch.StartNew();
        using var group = CudaProcessGroup.Join(environment, options);
        Say(Invariant($"joined in {clock.Elapsed.TotalSeconds:F2} s"));
        CudaRingRank ring;
        try
        {
            ring = group.CreateRingRank(problem, DeviceElementType.BFloat16);
        }
        catch (ProblemMismatchException e)
        {
            Say("REFUSED " + e.Message);
            return 4;
        }

        using CudaRingRank plan = ring;
        using var tensors = new RankDeviceTensors(problem, DeviceElementType.BFloat16, group.Device, isRoot: false, backward: false);
        var random = new Random(environment.Rank);
        tensors.Upload(ProbeTensors.Uniform(random, problem.LocalQueryElements), tensors.Query);
        tensors.Upload(ProbeTensors.Uniform(random, problem.LocalKeyValueElements), tensors.Key);
        tensors.Upload(ProbeTensors.Uniform(random, problem.LocalKeyValueElements), tensors.Value);
        for (int call = 0; call < a.Int("--calls", 1000); call++)
        {
            int current = call;
            try
            {
                group.Guarded(() =>
                {
                    // Inside Guarded, as a rank's own code would be: what it throws reaches every other rank at once.
                    if (faulty && current == afterCalls)
                    {
                        Inject(kind);
                    }

                    ring.Forward(tensors.ForwardTensors, tensors.StreamPointer);
                    group.Synchronize(tensors.StreamPointer);
                });
            }
            catch (RankFailedException e)
            {
                Say(Invariant($"DETECTED {e.Failure?.Kind} of rank {e.Failure?.Rank} at call {call}: {e.Message}"));
                return 3;
            }
        }

        Say("no fault seen");
        return 0;
    }

    private static void Inject(string kind)
    {
        Say("FAULT " + kind);
        switch (kind)
        {
            case "kill":
                Process.GetCurrentProcess().Kill(); // SIGKILL: no handler, no goodbye to the coordinator
                break;
            case "raise":
                throw new InvalidOperationException("injected failure (FaultProbe --kind raise)");
            case "hang":
                Thread.Sleep(Timeout.Infinite);
                break;
            default:
                throw new ArgumentException("unknown fault kind " + kind, nameof(kind));
        }
    }

    private static void Say(string line) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"at {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} ms: {line}"));
}
