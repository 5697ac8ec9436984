using System.Globalization;

namespace RingAttention.Cuda.Tests;

/// <summary>
/// The GPU ring against a float64 reference on the same 16-bit-rounded inputs, with single-call cuDNN full attention
/// on the same inputs as the yardstick: the ring's relative error may be at most <see cref="AllowedRatio"/> times
/// cuDNN's own, and below an absolute bound per element type. Every ring buffer and output starts as NaN, so an
/// element left unwritten fails the test.
/// </summary>
public sealed class RingAccuracyTests
{
    /// <summary>
    /// How much worse than one cuDNN call over the whole sequence the ring may be: 1.25, or RINGATTN_ACCURACY_RATIO
    /// (the CPU emulator of the shim needs about 1.6, see Emulator/ringattn_shim_emulator.c).
    /// </summary>
    private static readonly double AllowedRatio =
        double.TryParse(Environment.GetEnvironmentVariable("RINGATTN_ACCURACY_RATIO"), NumberStyles.Float, CultureInfo.InvariantCulture, out double ratio) && ratio > 0
            ? ratio
            : 1.25;

    /// <summary>LSE is fp32 on both paths; below this relative error the ratio is not meaningful.</summary>
    private const double LseFloor = 1e-5;

    private static readonly Dictionary<string, RingCase> Cases = BuildCases();

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in Cases.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Ring_matches_float64_reference_as_closely_as_single_gpu_cudnn(string name)
    {
        Gpu.Require();
        RingCase c = Cases[name];
        RingProblem problem = c.Problem;
        int seed = TestTensors.FreshSeed();
        var random = new Random(seed);
        DeviceElementType type = c.ElementType;
        float[] q = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount), type);
        float[] k = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount), type);
        float[] v = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount), type);
        float[] dO = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount), type);

        (double[] refO, double[] refLse) = AttentionReference.Forward(problem, q, k, v);
        (double[] refDq, double[] refDk, double[] refDv) = AttentionReference.Backward(problem, q, k, v, dO);

        AttentionOutput baseOut = CudnnFullAttention.Forward(Gpu.Context, problem, type, q, k, v);
        AttentionGradients baseGrad = CudnnFullAttention.Backward(Gpu.Context, problem, type, q, k, v, dO);

        // The plan's own context: other tests build graphs in the shared one while this one counts builds.
        using var planContext = new CudaAttentionContext();
        using var ring = new CudaRingAttention(problem, type, new CudaRingOptions { Context = planContext });
        GraphCacheStats planned = planContext.GetCacheStats();
        ring.PoisonForTesting();
        AttentionOutput ringOut = ring.ForwardFullSequence(q, k, v);
        AttentionGradients ringGrad = ring.BackwardFullSequence(q, k, v, ringOut.Output, ringOut.Lse, dO);

        // The plan built every graph it needs; the calls build none.
        Assert.Equal(planned.Builds, planContext.GetCacheStats().Builds);

        double absolute = type == DeviceElementType.BFloat16 ? 2.5e-2 : 5e-3;
        string context = string.Create(CultureInfo.InvariantCulture, $"{name}, seed {seed}");
        var lines = new List<string>();
        Compare("O", ringOut.Output, baseOut.Output, refO, absolute, 0, context, lines);
        Compare("LSE", ringOut.Lse, baseOut.Lse, refLse, absolute, LseFloor, context, lines);
        Compare("dQ", ringGrad.QueryGradient, baseGrad.QueryGradient, refDq, absolute, 0, context, lines);
        Compare("dK", ringGrad.KeyGradient, baseGrad.KeyGradient, refDk, absolute, 0, context, lines);
        Compare("dV", ringGrad.ValueGradient, baseGrad.ValueGradient, refDv, absolute, 0, context, lines);
        foreach (string line in lines)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(line);
        }

        Assert.True(lines.TrueForAll(l => !l.StartsWith("FAIL", StringComparison.Ordinal)), string.Join(Environment.NewLine, lines));
    }

    private static void Compare(string what, float[] ring, float[] single, double[] reference, double absolute, double floor, string context, List<string> lines)
    {
        double ringError = TestTensors.RelativeError(ring, reference, $"{what} of the ring ({context})");
        double singleError = TestTensors.RelativeError(single, reference, $"{what} of single-call cuDNN ({context})");
        double allowed = Math.Max(AllowedRatio * singleError, floor);
        bool ok = ringError <= allowed && ringError < absolute;
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"{(ok ? "ok  " : "FAIL")} {what}: ring {ringError:E3}, single cuDNN {singleError:E3}, allowed {Math.Min(allowed, absolute):E3} ({context})"));
    }

    private static Dictionary<string, RingCase> BuildCases()
    {
        const AttentionMask None = AttentionMask.None;
        const AttentionMask Causal = AttentionMask.Causal;
        const LoadBalancing Flat = LoadBalancing.None;
        const LoadBalancing Dual = LoadBalancing.DualChunk;
        const LoadBalancing Striped = LoadBalancing.Striped;
        const TensorLayout Bshd = TensorLayout.Bshd;
        const TensorLayout Sbhd = TensorLayout.Sbhd;
        const DeviceElementType Bf16 = DeviceElementType.BFloat16;
        const DeviceElementType Fp16 = DeviceElementType.Float16;

        // A covering set rather than the full product: every N meets both types, both masks, all three balancings,
        // GQA 4/2 and MHA, both layouts, batch 1 and 2, D 64 and 128.
        RingCase[] cases =
        [
            new(1, Bf16, None, Flat, 4, 4, Bshd, 1, 128, 64),
            new(1, Fp16, Causal, Flat, 4, 2, Sbhd, 2, 128, 128),
            new(2, Bf16, Causal, Dual, 4, 2, Bshd, 1, 256, 64),
            new(2, Fp16, Causal, Striped, 4, 4, Sbhd, 2, 256, 64),
            new(2, Bf16, None, Flat, 4, 2, Sbhd, 1, 256, 128),
            new(3, Bf16, Causal, Dual, 4, 2, Bshd, 2, 192, 64),
            new(3, Fp16, Causal, Flat, 4, 4, Bshd, 1, 192, 64),
            new(3, Bf16, Causal, Striped, 4, 2, Sbhd, 1, 192, 64),
            new(3, Fp16, None, Dual, 4, 2, Sbhd, 1, 192, 64),
            new(4, Fp16, Causal, Dual, 4, 2, Sbhd, 2, 256, 64),
            new(4, Bf16, Causal, Striped, 4, 4, Bshd, 1, 256, 64),
            new(4, Bf16, Causal, Flat, 4, 2, Bshd, 1, 256, 64),
            new(4, Fp16, None, Dual, 4, 4, Bshd, 1, 256, 128),
            new(8, Bf16, Causal, Dual, 4, 2, Bshd, 1, 256, 64),
            new(8, Fp16, Causal, Striped, 4, 2, Bshd, 1, 256, 64),
            new(8, Bf16, None, Striped, 4, 4, Sbhd, 2, 256, 64),
            new(8, Fp16, Causal, Flat, 4, 2, Sbhd, 1, 256, 64),
            new(8, Bf16, Causal, Dual, 4, 2, Sbhd, 2, 256, 128),
        ];

        return cases.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    private sealed record RingCase(
        int RingSize, DeviceElementType ElementType, AttentionMask Mask, LoadBalancing Balance,
        int QueryHeads, int KeyValueHeads, TensorLayout Layout, int Batch, int Sequence, int HeadDim)
    {
        public RingProblem Problem => TestTensors.Problem(
            RingSize, Mask, Balance, Batch, Sequence, QueryHeads, KeyValueHeads, HeadDim, Layout);

        public string Name => string.Create(CultureInfo.InvariantCulture,
            $"N={RingSize} {ElementType} {Mask} {Balance} H={QueryHeads}/{KeyValueHeads} {Layout} B={Batch} S={Sequence} D={HeadDim}");
    }
}
