using System.Globalization;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Commands;
using RingAttention.Cpu;
using RingAttention.Cuda;

namespace RingAttention.Cli.Backends;

/// <summary>
/// The one place that knows which backends exist, which can run here, and how to create them: each is the library's
/// <see cref="IRingAttention"/> (<see cref="CpuRingAttention"/> or <see cref="CudaRingAttention"/>), which the CLI
/// drives on full sequences without knowing which one it has.
/// </summary>
internal static class AttentionBackends
{
    /// <summary>What the CUDA backend needs, the start of its "not available" message.</summary>
    public const string CudaRequirement = "the cuda backend needs the native library (libringattn_shim.so, and the CUDA runtime, cuDNN 9 and NCCL 2 it links) and a CUDA GPU";

    // The probe loads the shim once per process anyway; its answer does not change within a run.
    private static readonly Lazy<(bool Available, string Reason)> CudaProbe = new(() =>
    {
        bool available = CudaRingAttention.IsSupported(out string reason);
        return (available, reason);
    });

    /// <summary>
    /// What <see cref="CudaRingAttention.IsSupported(out string)"/> said about the GPU path in this process: why not when
    /// unavailable, what was found when available (one line, without a final period).
    /// </summary>
    public static string CudaProbeText => OneLine(CudaProbe.Value.Reason);

    /// <summary>Null when <paramref name="kind"/> can run here, otherwise the reason it cannot.</summary>
    public static string? UnavailableReason(BackendKind kind) => kind switch
    {
        BackendKind.Cpu => null,
        BackendKind.Cuda => CudaProbe.Value.Available ? null : CudaProbeText,
        _ => $"unknown backend {kind}",
    };

    /// <summary>Throws <see cref="BackendUnavailableException"/> unless <paramref name="kind"/> can run here.</summary>
    public static void ThrowIfUnavailable(BackendKind kind)
    {
        string? reason = UnavailableReason(kind);
        if (reason is not null)
        {
            string what = kind == BackendKind.Cuda ? CudaRequirement + ", and cannot run here" : $"backend {kind} cannot run here";
            throw new BackendUnavailableException($"{what}: {reason}; use --backend cpu");
        }
    }

    /// <summary>The element type <paramref name="kind"/> computes in when --dtype is not given.</summary>
    public static ElementPrecision DefaultPrecision(BackendKind kind) =>
        kind == BackendKind.Cuda ? ElementPrecision.BFloat16 : ElementPrecision.Float32;

    /// <summary>
    /// Null when <paramref name="kind"/> can compute in <paramref name="precision"/> (null: its default), otherwise
    /// the one-line reason, in the CLI's words (<paramref name="name"/> is the --dtype value as typed).
    /// </summary>
    public static string? PrecisionError(BackendKind kind, ElementPrecision? precision, string name) => (kind, precision) switch
    {
        (_, null) => null,
        (BackendKind.Cpu, ElementPrecision.Float32) => null,
        (BackendKind.Cpu, _) => $"--dtype {name} needs --backend cuda; the cpu backend computes in float32 (omit --dtype or pass --dtype fp32)",
        (BackendKind.Cuda, ElementPrecision.BFloat16 or ElementPrecision.Float16) => null,
        (BackendKind.Cuda, _) => $"--dtype {name} is not supported by --backend cuda, which computes in bf16 or fp16 (with fp32 accumulators); use --dtype bf16|fp16, or --backend cpu for float32",
        _ => $"--dtype {name} is not supported by backend {kind}",
    };

    /// <summary>Plans <paramref name="problem"/> on <paramref name="kind"/> in <paramref name="precision"/> (null: the backend's default).</summary>
    /// <exception cref="BackendUnavailableException">The backend cannot run here.</exception>
    /// <exception cref="ArgumentException">The problem is invalid, or invalid for this backend.</exception>
    /// <exception cref="CliUsageException">The backend cannot compute in <paramref name="precision"/>.</exception>
    public static IRingAttention Create(BackendKind kind, RingProblem problem, ILoggerFactory loggers, ElementPrecision? precision = null)
    {
        ThrowIfUnavailable(kind);
        ElementPrecision resolved = precision ?? DefaultPrecision(kind);
        string? error = PrecisionError(kind, resolved, CliChoices.NameOf(CliChoices.Dtypes, resolved));
        if (error is not null)
        {
            throw new CliUsageException(error);
        }

        return kind switch
        {
            BackendKind.Cpu => new CpuRingAttention(problem, new CpuRingOptions { LoggerFactory = loggers }),
            BackendKind.Cuda => CreateCuda(problem, resolved, loggers),
            _ => throw new BackendUnavailableException($"no implementation for backend {kind}"),
        };
    }

    /// <summary>
    /// Plans the GPU ring on <paramref name="device"/>: N virtual ranks on one GPU, inputs rounded to bf16 or fp16 on
    /// upload. Throws <see cref="ArgumentException"/> for an invalid problem or one cuDNN cannot run (HeadDim not a
    /// multiple of 8 or above 256). <paramref name="context"/> shares a cuDNN graph cache between plans (the demo's
    /// rows); null gives the plan its own.
    /// </summary>
    public static CudaRingAttention CreateCuda(RingProblem problem, ElementPrecision precision, ILoggerFactory loggers, int device = 0, CudaAttentionContext? context = null) =>
        new(problem, CudaElementTypes.ToDeviceType(precision), new CudaRingOptions { Device = device, LoggerFactory = loggers, Context = context });

    /// <summary>A short description of <paramref name="ring"/> for summaries, e.g. "cpu (4 rank threads)".</summary>
    public static string Describe(IRingAttention ring) => ring switch
    {
        CpuRingAttention cpu => Text($"cpu ({cpu.Problem.RingSize} rank threads)"),
        CudaRingAttention cuda => Text($"cuda {CliChoices.NameOf(CliChoices.Dtypes, CudaElementTypes.ToPrecision(cuda.ElementType))} ({cuda.Problem.RingSize} virtual ranks on GPU {cuda.Device})"),
        _ => throw new ArgumentException($"not a backend of the CLI: {ring.GetType().Name}", nameof(ring)),
    };

    /// <summary>The probe's text on one line: lines after a sentence or a "Tried:" run on, list entries are joined by "; ".</summary>
    private static string OneLine(string text)
    {
        var line = new System.Text.StringBuilder();
        foreach (string part in text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.Length > 0)
            {
                line.Append(line[^1] is '.' or ':' or ';' ? " " : "; ");
            }

            line.Append(part);
        }

        return line.ToString().TrimEnd('.');
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
