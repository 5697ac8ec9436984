using System.Globalization;

namespace RingAttention.Cuda.Tests;

/// <summary>
/// The GPU ring against a float64 reference on the same 16-bit-rounded inputs, with single-call cuDNN full attention
/// on the same inputs as the yardstick: the ring's relative error may be at most <see cref="AccuracyBar"/>'s ratio
/// times cuDNN's own (its doc comment derives the ratio), and below an absolute bound per element type. Every ring
/// buffer and output starts as NaN, so an element left unwritten fails the test. Each output's ratio is printed, and
/// each output is also shown to fail the same bar with a 5% error added, so the bar is known to catch one.
/// </summary>
public sealed class RingAccuracyTests
{
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
        (float[] q, float[] k, float[] v, float[] dO) = TestTensors.RoundedInputs(problem, type, random);

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
        var judge = new Judge(problem.RingSize, absolute, context);
        judge.Compare("O", ringOut.Output, baseOut.Output, refO, 0);
        judge.Compare("LSE", ringOut.Lse, baseOut.Lse, refLse, LseFloor);
        judge.Compare("dQ", ringGrad.QueryGradient, baseGrad.QueryGradient, refDq, 0);
        judge.Compare("dK", ringGrad.KeyGradient, baseGrad.KeyGradient, refDk, 0);
        judge.Compare("dV", ringGrad.ValueGradient, baseGrad.ValueGradient, refDv, 0);
        judge.Print();

        Assert.True(judge.AllPassed, judge.Report);
        Assert.True(judge.AllPerturbedRejected, "a 5% error went unnoticed:" + Environment.NewLine + judge.Report);
    }

    /// <summary>One case's verdicts, printed whether they pass or not.</summary>
    private sealed class Judge(int ringSize, double absolute, string context)
    {
        /// <summary>The error a real defect would at least make: it must fail every output's bar.</summary>
        private const double Perturbation = 0.05;

        private readonly List<string> _lines = [];

        public bool AllPassed { get; private set; } = true;

        public bool AllPerturbedRejected { get; private set; } = true;

        public string Report => string.Join(Environment.NewLine, _lines);

        public void Compare(string what, float[] ring, float[] single, double[] reference, double floor)
        {
            double ringError = TestTensors.RelativeError(ring, reference, $"{what} of the ring ({context})");
            double singleError = TestTensors.RelativeError(single, reference, $"{what} of single-call cuDNN ({context})");
            AccuracyBar.Verdict verdict = AccuracyBar.Current.Judge(what, ringSize, ringError, singleError, absolute, floor);
            AllPassed &= verdict.Ok;
            _lines.Add($"{verdict.Line} ({context})");

            float[] perturbed = [.. ring.Select(x => x * (float)(1 + Perturbation))];
            double perturbedError = TestTensors.RelativeError(perturbed, reference, $"{what} of the ring, perturbed");
            AccuracyBar.Verdict rejected = AccuracyBar.Current.Judge(what, ringSize, perturbedError, singleError, absolute, floor);
            AllPerturbedRejected &= !rejected.Ok;
            _lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"     {what} with a {Perturbation:P0} error: {perturbedError:E3}, {(rejected.Ok ? "ACCEPTED (the bar is too loose)" : "rejected")}"));
        }

        public void Print()
        {
            foreach (string line in _lines)
            {
                TestContext.Current.TestOutputHelper?.WriteLine(line);
            }
        }
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
        const ContextParallelStrategy AllGather = ContextParallelStrategy.AllGather;
        const ContextParallelStrategy AllToAll = ContextParallelStrategy.AllToAll;
        const ContextParallelStrategy AllToAllThenRing = ContextParallelStrategy.AllToAllThenRing;

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

            // Sliding windows (MASK_BAND): every balancing under a causal window and under (L, R) bands, windows
            // narrower and wider than a rank's block so that steps are skipped, cut and split into several blocks.
            new(1, Bf16, Causal, Flat, 4, 2, Bshd, 1, 128, 64, AttentionWindow.Causal(20)),
            new(2, Bf16, Causal, Flat, 4, 2, Bshd, 1, 256, 64, AttentionWindow.Causal(100)),
            new(2, Fp16, Causal, Dual, 4, 4, Sbhd, 2, 256, 64, AttentionWindow.Causal(70)),
            new(4, Fp16, Causal, Dual, 4, 2, Sbhd, 2, 256, 64, AttentionWindow.Causal(40)),
            new(4, Bf16, Causal, Striped, 4, 2, Bshd, 1, 256, 64, AttentionWindow.Causal(17)),
            new(8, Bf16, Causal, Dual, 4, 2, Bshd, 1, 256, 64, AttentionWindow.Causal(33)),
            new(3, Bf16, None, Flat, 4, 2, Bshd, 1, 192, 64, new AttentionWindow(30, 50)),
            new(3, Fp16, None, Flat, 4, 4, Sbhd, 1, 192, 64, new AttentionWindow(25, AttentionWindow.Unbounded)),
            new(4, Fp16, None, Dual, 4, 2, Bshd, 2, 256, 64, new AttentionWindow(45, 20)),
            new(4, Bf16, None, Dual, 4, 4, Bshd, 1, 256, 128, new AttentionWindow(AttentionWindow.Unbounded, 10)),
            new(2, Bf16, None, Striped, 4, 2, Sbhd, 1, 256, 64, new AttentionWindow(7, 11)),
            new(4, Fp16, None, Striped, 4, 4, Bshd, 2, 256, 64, new AttentionWindow(0, 3)),

            // One query against one key at the corner of both blocks (rank 1's first query, rank 0's last key), which
            // cuDNN refuses and no neighbouring row can pad: the block runs staged.
            new(2, Bf16, Causal, Flat, 4, 2, Bshd, 2, 128, 64, AttentionWindow.Causal(1)),

            // The other strategies (StrategyFactory on the GPU): all-gather, all-to-all (GQA 4/2 at N = 4 replicates
            // K/V heads), and all-to-all inside groups of Na with a ring across them; one windowed case each.
            new(2, Bf16, Causal, Dual, 4, 2, Bshd, 1, 256, 64, null, AllGather),
            new(4, Fp16, Causal, Dual, 4, 2, Sbhd, 2, 256, 64, null, AllGather),
            new(4, Bf16, None, Flat, 4, 4, Bshd, 1, 256, 64, null, AllGather),
            new(4, Bf16, Causal, Dual, 4, 2, Bshd, 1, 256, 64, AttentionWindow.Causal(40), AllGather),
            new(2, Bf16, Causal, Dual, 4, 2, Bshd, 1, 256, 64, null, AllToAll),
            new(4, Fp16, Causal, Striped, 4, 2, Bshd, 2, 256, 64, null, AllToAll),
            new(4, Bf16, None, Flat, 4, 4, Sbhd, 1, 256, 64, null, AllToAll),
            new(4, Bf16, Causal, Dual, 4, 2, Bshd, 1, 256, 64, AttentionWindow.Causal(40), AllToAll),
            new(4, Bf16, Causal, Dual, 4, 2, Bshd, 1, 256, 64, null, AllToAllThenRing, 2),
            new(4, Fp16, None, Flat, 4, 4, Sbhd, 2, 256, 64, null, AllToAllThenRing, 2),
            new(4, Bf16, Causal, Dual, 4, 2, Sbhd, 1, 256, 64, AttentionWindow.Causal(30), AllToAllThenRing, 2),

            // Packed documents (THD): one block per document and step, padding rows in every shard, documents of one
            // token (one-by-one blocks), lengths not divisible by 2N, every strategy and a window.
            Packed(1, Bf16, Causal, Flat, 4, 2),
            Packed(2, Bf16, Causal, Dual, 4, 2),
            Packed(3, Fp16, None, Striped, 4, 4),
            Packed(4, Fp16, Causal, Dual, 4, 2, AttentionWindow.Causal(20)),
            Packed(4, Bf16, None, Dual, 4, 2, new AttentionWindow(15, 6)),
            Packed(4, Bf16, Causal, Dual, 4, 2, null, AllGather),
            Packed(4, Bf16, Causal, Striped, 4, 2, null, AllToAll),
            Packed(4, Fp16, Causal, Dual, 4, 2, AttentionWindow.Causal(20), AllToAllThenRing, 2),
        ];

        return cases.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    /// <summary>A packed case: documents of 37, 1, 100 and 18 tokens, D = 64.</summary>
    private static RingCase Packed(
        int ringSize, DeviceElementType type, AttentionMask mask, LoadBalancing balance, int queryHeads, int keyValueHeads,
        AttentionWindow? window = null, ContextParallelStrategy strategy = ContextParallelStrategy.Ring, int allToAllSize = 0) =>
        new(ringSize, type, mask, balance, queryHeads, keyValueHeads, TensorLayout.Thd, 1, 156, 64, window, strategy, allToAllSize, [37, 1, 100, 18]);

    private sealed record RingCase(
        int RingSize, DeviceElementType ElementType, AttentionMask Mask, LoadBalancing Balance,
        int QueryHeads, int KeyValueHeads, TensorLayout Layout, int Batch, int Sequence, int HeadDim, AttentionWindow? Window = null,
        ContextParallelStrategy Strategy = ContextParallelStrategy.Ring, int AllToAllSize = 0, int[]? Documents = null)
    {
        public RingProblem Problem => Shape with
        {
            Window = Window,
            Strategy = Strategy,
            AllToAllSize = AllToAllSize,
            Documents = Documents is null ? null : PackedDocuments.Padded(Documents, Balance, RingSize),
        };

        private RingProblem Shape => TestTensors.Problem(
            RingSize, Mask, Balance, Batch, Sequence, QueryHeads, KeyValueHeads, HeadDim, Layout);

        public string Name => string.Create(CultureInfo.InvariantCulture,
            $"N={RingSize} {ElementType} {Mask} {Balance} H={QueryHeads}/{KeyValueHeads} {Layout}{(Documents is null ? "" : $" [{string.Join(',', Documents)}]")} B={Batch} S={Sequence} D={HeadDim}{(Window is AttentionWindow w ? $" window {w}" : "")}{(Strategy == ContextParallelStrategy.Ring ? "" : $" {Strategy}{(AllToAllSize > 0 ? $" Na={AllToAllSize}" : "")}")}");
    }
}
