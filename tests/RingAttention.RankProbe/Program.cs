using System.Globalization;
using RingAttention.RankProbe;

// One rank of a test job started by 'ringattn launch' (see scripts/gpu-distributed.sh):
//   ring  [--seq S --heads H --kv-heads K --dim D --mask causal|none --balance dual-chunk|striped|none --dtype bf16|fp16 --cp C]
//         every rank runs its share of forward and backward over NCCL; rank 0 gathers the outputs and checks them against
//         the virtual ring on its GPU (bit for bit), float64 and single-call cuDNN (the accuracy bar); exit 0 = pass.
//   time  [--seq S --heads H --kv-heads K --dim D --strategy ring|all-gather|all-to-all|a2a+ring --a2a-size K --iterations I]
//         every rank times its share of forward and backward (causal, dual-chunk, bf16) and prints one TIME line.
//   fault --kind kill|raise|hang|absent|mismatch --rank R --after-calls K [--timeout-s T --join-timeout-s J --strategy S --a2a-size K]
//         every rank runs forward calls in a loop; rank R misbehaves at call K; survivors print when and how they learnt it.
try
{
    return (args.Length > 0 ? args[0] : "ring") switch
    {
        "fault" => FaultProbe.Run(new ProbeArguments(args)),
        "time" => TimeProbe.Run(new ProbeArguments(args)),
        _ => RingProbe.Run(new ProbeArguments(args)),
    };
}
#pragma warning disable CA1031 // A test child reports every failure as one line and an exit code.
catch (Exception e)
#pragma warning restore CA1031
{
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"at {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} ms: FAILED {e.GetType().Name}: {e.Message}"));
    return 1;
}
