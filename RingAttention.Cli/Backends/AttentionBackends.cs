using Microsoft.Extensions.Logging;

namespace RingAttention.Cli.Backends;

/// <summary>The one place that knows which backends exist, which can run here, and how to create them.</summary>
internal static class AttentionBackends
{
    /// <summary>Why the CUDA backend cannot run; it stays unavailable until the native interop is wired in here.</summary>
    public const string CudaUnavailableReason =
        "the cuda backend needs the native library (libringattn from native/, loaded through RingAttention.Interop), which this build of ringattn does not include yet";

    /// <summary>Null when <paramref name="kind"/> can run here, otherwise the reason it cannot.</summary>
    public static string? UnavailableReason(BackendKind kind) => kind switch
    {
        BackendKind.Cpu => null,
        BackendKind.Cuda => CudaUnavailableReason,
        _ => $"unknown backend {kind}",
    };

    /// <summary>Throws <see cref="BackendUnavailableException"/> unless <paramref name="kind"/> can run here.</summary>
    public static void ThrowIfUnavailable(BackendKind kind)
    {
        string? reason = UnavailableReason(kind);
        if (reason is not null)
        {
            throw new BackendUnavailableException($"{reason}; use --backend cpu");
        }
    }

    /// <summary>Plans <paramref name="problem"/> on <paramref name="kind"/>.</summary>
    /// <exception cref="BackendUnavailableException">The backend cannot run here.</exception>
    /// <exception cref="ArgumentException">The problem is invalid.</exception>
    public static IAttentionBackend Create(BackendKind kind, RingProblem problem, ILoggerFactory loggers)
    {
        ThrowIfUnavailable(kind);
        return kind switch
        {
            BackendKind.Cpu => new CpuAttentionBackend(problem, loggers),
            _ => throw new BackendUnavailableException($"no implementation for backend {kind}"),
        };
    }
}
