using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Backends;
using RingAttention.Cli.Commands;
using RingAttention.Cli.Numerics;
using RingAttention.Cuda;

namespace RingAttention.Cli.Demo;

/// <summary>
/// <c>ringattn demo</c>: runs the ring on random inputs for every mask and load balancing, and compares each
/// result with the float64 reference, so a new user sees both that it works and how accurate it is. Where the
/// native library and a GPU are available the same cases also run on the cuda backend in bf16.
/// </summary>
internal static class DemoRunner
{
    /// <summary>Every error must stay below this for the demo to pass (fp32 ring vs fp64 reference).</summary>
    public const double Tolerance = 1e-5;

    /// <summary>
    /// Every error of the cuda rows must stay below this (bf16 tensors, fp32 accumulators, against the fp64 reference
    /// on the same bf16-rounded inputs); the bound the GPU ring's own accuracy tests use for bf16.
    /// </summary>
    public const double GpuTolerance = 2.5e-2;

    /// <summary>The element type of the demo's GPU rows.</summary>
    private const ElementPrecision GpuPrecision = ElementPrecision.BFloat16;

    /// <summary>The CUDA device of the demo's GPU rows.</summary>
    private const int GpuDevice = 0;

    private static readonly AttentionMask[] Masks = [AttentionMask.None, AttentionMask.Causal];
    private static readonly LoadBalancing[] Balances = [LoadBalancing.None, LoadBalancing.DualChunk, LoadBalancing.Striped];

    /// <summary>
    /// Runs the demo; returns <see cref="ExitCodes.Success"/> when every CPU error is below <see cref="Tolerance"/> and
    /// every GPU error (if the GPU ran) below <see cref="GpuTolerance"/>.
    /// </summary>
    public static int Run(DemoSettings settings, TextWriter output, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);

        // Validate every case before printing anything, so bad sizes give one error line and no half table.
        RingProblem[] problems = [.. Masks.SelectMany(mask => Balances.Select(balance => settings.Problem(mask, balance)))];
        foreach (RingProblem problem in problems)
        {
            problem.Validate();
        }

        string? gpuUnavailable = AttentionBackends.UnavailableReason(BackendKind.Cuda);
        bool withGpu = gpuUnavailable is null;
        string gpuLabel = "cuda " + CliChoices.NameOf(CliChoices.Dtypes, GpuPrecision);

        RingProblem shape = problems[0];
        output.WriteLine(Text($"{CliApp.Name} demo: ring attention on {settings.RingSize} simulated ranks, B={settings.BatchSize} S={settings.SequenceLength} Hq={settings.QueryHeads} Hkv={settings.KeyValueHeads} D={settings.HeadDim}, seed {settings.Seed}"));
        if (withGpu)
        {
            output.WriteLine(Text($"Backends: cpu (each rank is a thread) and {gpuLabel} ({settings.RingSize} virtual ranks on GPU {GpuDevice}; {AttentionBackends.CudaProbeText})."));
            output.WriteLine(Text($"Errors: ||x - ref||_2 / ||ref||_2 against a float64 reference (for {gpuLabel}: on the inputs rounded to bf16); times: the ring's forward and backward."));
        }
        else
        {
            output.WriteLine($"Backend: cpu (each rank is a thread). GPU backend: not available ({gpuUnavailable}).");
            output.WriteLine(Text($"Errors: ||x - ref||_2 / ||ref||_2 against a float64 reference; times: the ring's forward and backward."));
        }

        output.WriteLine();

        var random = new Random(settings.Seed);
        float[] query = RandomTensors.Normal(random, shape.GlobalQueryShape.ElementCount);
        float[] key = RandomTensors.Normal(random, shape.GlobalKeyValueShape.ElementCount);
        float[] value = RandomTensors.Normal(random, shape.GlobalKeyValueShape.ElementCount);
        float[] outputGradient = RandomTensors.Normal(random, shape.GlobalQueryShape.ElementCount);

        WarmUp(loggers);
        DemoTable.WriteHeader(output, withGpu);
        double largest = 0;
        foreach (RingProblem problem in problems)
        {
            using IRingAttention backend = AttentionBackends.Create(BackendKind.Cpu, problem, loggers);
            DemoRow row = Measure(backend, "cpu", problem, query, key, value, outputGradient, warmUp: false);
            DemoTable.WriteRow(output, row, withGpu);
            largest = Math.Max(largest, row.MaxError);
        }

        double? gpuLargest = withGpu ? RunGpuRows(problems, gpuLabel, query, key, value, outputGradient, output, loggers) : null;

        bool passed = largest < Tolerance && (gpuLargest is not double g || g < GpuTolerance);
        output.WriteLine();
        output.WriteLine(gpuLargest is double gpu
            ? $"All relative errors < {DemoTable.Error(Tolerance)} (cpu), < {DemoTable.Error(GpuTolerance)} ({gpuLabel}): {(passed ? "yes" : "NO")} (largest {DemoTable.Error(largest)} cpu, {DemoTable.Error(gpu)} {gpuLabel})"
            : $"All relative errors < {DemoTable.Error(Tolerance)}: {(passed ? "yes" : "NO")} (largest {DemoTable.Error(largest)})");
        return passed ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>
    /// The GPU rows: every case on the cuda backend, on the inputs rounded to bf16 (what the GPU computes on), against
    /// the float64 reference on those rounded inputs. Returns the largest error, or null when the sizes are ones the
    /// GPU path cannot run (it prints why instead of the rows).
    /// </summary>
    private static double? RunGpuRows(
        RingProblem[] problems, string label, float[] query, float[] key, float[] value, float[] outputGradient, TextWriter output, ILoggerFactory loggers)
    {
        DeviceElementType type = CudaElementTypes.ToDeviceType(GpuPrecision);
        float[] q = HostPrecision.Round(query, type);
        float[] k = HostPrecision.Round(key, type);
        float[] v = HostPrecision.Round(value, type);
        float[] dO = HostPrecision.Round(outputGradient, type);

        // One cuDNN graph cache for all rows; it must outlive every plan made on it.
        using var context = new CudaAttentionContext(GpuDevice);
        double largest = 0;
        foreach (RingProblem problem in problems)
        {
            CudaRingAttention backend;
            try
            {
                backend = AttentionBackends.CreateCuda(problem, GpuPrecision, loggers, GpuDevice, context);
            }
            catch (ArgumentException e)
            {
                // Sizes the CPU ring takes but cuDNN does not (e.g. --dim not a multiple of 8): say so, keep the CPU result.
                output.WriteLine($"{label}: skipped for these sizes ({e.Message.Split('\n')[0].TrimEnd('\r')})");
                return null;
            }

            using (backend)
            {
                DemoRow row = Measure(backend, label, problem, q, k, v, dO, warmUp: true);
                DemoTable.WriteRow(output, row, withBackend: true);
                largest = Math.Max(largest, row.MaxError);
            }
        }

        return largest;
    }

    /// <summary>
    /// One row: the ring's forward and backward on <paramref name="backend"/>, timed, and their errors against the
    /// float64 reference on the same inputs. <paramref name="warmUp"/> runs both once untimed first (the GPU's first
    /// call loads kernels).
    /// </summary>
    private static DemoRow Measure(
        IRingAttention backend, string label, RingProblem problem, float[] query, float[] key, float[] value, float[] outputGradient, bool warmUp)
    {
        if (warmUp)
        {
            AttentionOutput first = backend.ForwardFullSequence(query, key, value);
            backend.BackwardFullSequence(query, key, value, first.Output, first.Lse, outputGradient);
        }

        var clock = Stopwatch.StartNew();
        AttentionOutput forward = backend.ForwardFullSequence(query, key, value);
        double forwardMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        AttentionGradients gradients = backend.BackwardFullSequence(query, key, value, forward.Output, forward.Lse, outputGradient);
        double backwardMs = clock.Elapsed.TotalMilliseconds;

        (double[] referenceOutput, double[] referenceLse) = AttentionReference.Forward(problem, query, key, value);
        (double[] referenceDq, double[] referenceDk, double[] referenceDv) = AttentionReference.Backward(problem, query, key, value, outputGradient);
        return new DemoRow
        {
            Backend = label,
            Problem = problem,
            OutputError = ErrorMeasure.RelativeError(forward.Output, referenceOutput),
            LseError = ErrorMeasure.RelativeError(forward.Lse, referenceLse),
            QueryGradientError = ErrorMeasure.RelativeError(gradients.QueryGradient, referenceDq),
            KeyGradientError = ErrorMeasure.RelativeError(gradients.KeyGradient, referenceDk),
            ValueGradientError = ErrorMeasure.RelativeError(gradients.ValueGradient, referenceDv),
            ForwardMilliseconds = forwardMs,
            BackwardMilliseconds = backwardMs,
        };
    }

    /// <summary>One tiny untimed ring pass, so the first row's times measure the ring rather than the JIT compiler.</summary>
    private static void WarmUp(ILoggerFactory loggers)
    {
        var problem = new RingProblem
        {
            BatchSize = 1,
            SequenceLength = 8,
            QueryHeads = 2,
            KeyValueHeads = 1,
            HeadDim = 4,
            RingSize = 2,
            Mask = AttentionMask.Causal,
            Balance = LoadBalancing.DualChunk,
        };
        using IRingAttention backend = AttentionBackends.Create(BackendKind.Cpu, problem, loggers);
        var q = new float[problem.GlobalQueryShape.ElementCount];
        var kv = new float[problem.GlobalKeyValueShape.ElementCount];
        AttentionOutput forward = backend.ForwardFullSequence(q, kv, kv);
        backend.BackwardFullSequence(q, kv, kv, forward.Output, forward.Lse, q);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
