// A user's first program, built outside the repository from the packages alone (packaging/fresh-project/check.sh):
//   cpu          the CPU ring (package RingAttention), N = 4 threads
//   cuda         the GPU ring on 4 virtual ranks (RingAttention.Cuda + RingAttention.Runtime.linux-x64)
//   distributed  one rank of a job started by `ringattn launch` (every rank checks its own shard of O)
// Every mode compares with the float64 reference and prints PASS or FAIL; exit code 0 = pass.
using RingAttention;
using RingAttention.Cpu;
using RingAttention.Cuda;
using RingAttention.Cuda.Distributed;
using RingAttention.Interop;

string mode = args.Length > 0 ? args[0] : "cpu";
var problem = new RingProblem
{
    BatchSize = 1, SequenceLength = 1024, QueryHeads = 8, KeyValueHeads = 2, HeadDim = 64,
    RingSize = mode == "distributed" ? int.Parse(Environment.GetEnvironmentVariable("WORLD_SIZE") ?? "1") : 4,
    Mask = AttentionMask.Causal, Balance = LoadBalancing.DualChunk,
};
var random = new Random(7);
float[] Uniform(long n) => Enumerable.Range(0, (int)n).Select(_ => random.NextSingle() * 2 - 1).ToArray();
float[] q = Uniform(problem.GlobalQueryShape.ElementCount);
float[] k = Uniform(problem.GlobalKeyValueShape.ElementCount);
float[] v = Uniform(problem.GlobalKeyValueShape.ElementCount);
if (mode != "cpu")
{
    // The GPU computes in bf16: compare it with float64 on the inputs it really sees.
    (q, k, v) = (HostPrecision.Round(q, DeviceElementType.BFloat16), HostPrecision.Round(k, DeviceElementType.BFloat16), HostPrecision.Round(v, DeviceElementType.BFloat16));
    if (!NativeRuntime.IsAvailable(out string reason))
    {
        Console.WriteLine($"FAIL: the GPU path is unavailable: {reason}");
        return 1;
    }

    Console.WriteLine($"native library: {NativeRuntime.GetVersions().LibraryPath}");
}

(double[] expected, _) = AttentionReference.Forward(problem, q, k, v);
float[] output;
if (mode == "cpu")
{
    using var ring = new CpuRingAttention(problem);
    output = ring.ForwardFullSequence(q, k, v).Output;
}
else if (mode == "cuda")
{
    using var ring = new CudaRingAttention(problem, DeviceElementType.BFloat16);
    output = ring.ForwardFullSequence(q, k, v).Output;
}
else
{
    // Each rank runs its shard and checks that shard of O against the same shard of the reference.
    using var group = CudaProcessGroup.Join();
    using CudaRingRank rank = group.CreateRingRank(problem, DeviceElementType.BFloat16);
    var sharding = new FullSequenceSharding(problem);
    float[] Shard(float[] full, bool isQuery) => (isQuery ? sharding.ShardQuery(full) : sharding.ShardKeyValue(full))[group.Rank];
    using DeviceBuffer dq = Upload(Shard(q, true)), dk = Upload(Shard(k, false)), dv = Upload(Shard(v, false));
    using DeviceBuffer o = DeviceBuffer.Allocate(problem.LocalQueryElements, DeviceElementType.BFloat16, group.Device);
    using DeviceBuffer lse = DeviceBuffer.Allocate(problem.LocalLseElements, DeviceElementType.Float32, group.Device);
    using var stream = new CudaStream(group.Device);
    group.Guarded(() => rank.Forward(new(dq.Tensor, dk.Tensor, dv.Tensor, o.Tensor, lse.Tensor), stream.Pointer));
    group.Synchronize(stream.Pointer);
    var bits = new ushort[o.ElementCount];
    o.Download<ushort>(bits);
    output = new float[bits.Length];
    HostPrecision.Decode(bits, output, DeviceElementType.BFloat16);
    expected = Array.ConvertAll(Shard(Array.ConvertAll(expected, x => (float)x), true), x => (double)x);

    DeviceBuffer Upload(float[] values)
    {
        var half = new ushort[values.Length];
        HostPrecision.Encode(values, half, DeviceElementType.BFloat16);
        DeviceBuffer buffer = DeviceBuffer.Allocate(values.Length, DeviceElementType.BFloat16, group.Device);
        buffer.Upload<ushort>(half);
        return buffer;
    }
}

double error = ErrorMeasure.RelativeError(output, expected);
double bound = mode == "cpu" ? 1e-5 : 1e-2;   // fp32 exact; bf16 about 2e-3 for this shape
bool pass = error <= bound && !output.Any(float.IsNaN);
Console.WriteLine($"{(pass ? "PASS" : "FAIL")} {mode}: N={problem.RingSize}, relative error of O vs float64 {error:E3} (bound {bound:E0})");
return pass ? 0 : 1;
