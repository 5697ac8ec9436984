using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Backends;
using RingAttention.Cli.Numerics;

namespace RingAttention.Cli.Demo;

/// <summary>
/// <c>ringattn demo</c>: runs the ring on random inputs for every mask and load balancing, and compares each
/// result with the float64 reference, so a new user sees both that it works and how accurate it is.
/// </summary>
internal static class DemoRunner
{
    /// <summary>Every error must stay below this for the demo to pass (fp32 ring vs fp64 reference).</summary>
    public const double Tolerance = 1e-5;

    private static readonly AttentionMask[] Masks = [AttentionMask.None, AttentionMask.Causal];
    private static readonly LoadBalancing[] Balances = [LoadBalancing.None, LoadBalancing.DualChunk, LoadBalancing.Striped];

    /// <summary>Runs the demo; returns <see cref="ExitCodes.Success"/> when every error is below <see cref="Tolerance"/>.</summary>
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

        RingProblem shape = problems[0];
        output.WriteLine(Text($"{CliApp.Name} demo: ring attention on {settings.RingSize} simulated ranks, B={settings.BatchSize} S={settings.SequenceLength} Hq={settings.QueryHeads} Hkv={settings.KeyValueHeads} D={settings.HeadDim}, seed {settings.Seed}"));
        output.WriteLine($"Backend: cpu (each rank is a thread). GPU backend: not available ({AttentionBackends.UnavailableReason(BackendKind.Cuda)}).");
        output.WriteLine(Text($"Errors: ||x - ref||_2 / ||ref||_2 against a float64 reference; times: the ring's forward and backward."));
        output.WriteLine();

        var random = new Random(settings.Seed);
        float[] query = RandomTensors.Normal(random, shape.GlobalQueryShape.ElementCount);
        float[] key = RandomTensors.Normal(random, shape.GlobalKeyValueShape.ElementCount);
        float[] value = RandomTensors.Normal(random, shape.GlobalKeyValueShape.ElementCount);
        float[] outputGradient = RandomTensors.Normal(random, shape.GlobalQueryShape.ElementCount);

        WarmUp(loggers);
        DemoTable.WriteHeader(output);
        double largest = 0;
        foreach (RingProblem problem in problems)
        {
            DemoRow row = RunCase(problem, query, key, value, outputGradient, loggers);
            DemoTable.WriteRow(output, row);
            largest = Math.Max(largest, row.MaxError);
        }

        bool passed = largest < Tolerance;
        output.WriteLine();
        output.WriteLine($"All relative errors < {DemoTable.Error(Tolerance)}: {(passed ? "yes" : "NO")} (largest {DemoTable.Error(largest)})");
        return passed ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static DemoRow RunCase(RingProblem problem, float[] query, float[] key, float[] value, float[] outputGradient, ILoggerFactory loggers)
    {
        using IAttentionBackend backend = AttentionBackends.Create(BackendKind.Cpu, problem, loggers);
        var clock = Stopwatch.StartNew();
        AttentionOutput forward = backend.Forward(query, key, value);
        double forwardMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        AttentionGradients gradients = backend.Backward(query, key, value, forward.Output, forward.Lse, outputGradient);
        double backwardMs = clock.Elapsed.TotalMilliseconds;

        (double[] referenceOutput, double[] referenceLse) = AttentionReference.Forward(problem, query, key, value);
        (double[] referenceDq, double[] referenceDk, double[] referenceDv) = AttentionReference.Backward(problem, query, key, value, outputGradient);
        return new DemoRow
        {
            Problem = problem,
            OutputError = RelativeError.Compute(forward.Output, referenceOutput),
            LseError = RelativeError.Compute(forward.Lse, referenceLse),
            QueryGradientError = RelativeError.Compute(gradients.QueryGradient, referenceDq),
            KeyGradientError = RelativeError.Compute(gradients.KeyGradient, referenceDk),
            ValueGradientError = RelativeError.Compute(gradients.ValueGradient, referenceDv),
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
        using IAttentionBackend backend = AttentionBackends.Create(BackendKind.Cpu, problem, loggers);
        var q = new float[problem.GlobalQueryShape.ElementCount];
        var kv = new float[problem.GlobalKeyValueShape.ElementCount];
        AttentionOutput forward = backend.Forward(q, kv, kv);
        backend.Backward(q, kv, kv, forward.Output, forward.Lse, q);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
