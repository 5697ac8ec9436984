using System.Globalization;
using System.Runtime.InteropServices;

namespace RingAttention.Cli.Launch;

/// <summary>The Linux signal numbers the launcher sends, forwards and reports, and their names.</summary>
internal static class Signals
{
    /// <summary>SIGHUP: the terminal went away.</summary>
    public const int Hangup = 1;

    /// <summary>SIGINT: Ctrl+C.</summary>
    public const int Interrupt = 2;

    /// <summary>SIGQUIT: Ctrl+\.</summary>
    public const int Quit = 3;

    /// <summary>SIGKILL: cannot be caught; the last resort after the grace period.</summary>
    public const int Kill = 9;

    /// <summary>SIGTERM: the polite stop.</summary>
    public const int Terminate = 15;

    /// <summary>A shell's (and .NET's) exit code for a process killed by signal S is 128 + S.</summary>
    public const int ExitCodeBase = 128;

    /// <summary>The signals the launcher passes on to its ranks, as .NET names them and as kill(2) numbers them.</summary>
    public static IReadOnlyList<(PosixSignal Posix, int Number)> Forwarded { get; } =
    [
        (PosixSignal.SIGINT, Interrupt), (PosixSignal.SIGTERM, Terminate), (PosixSignal.SIGHUP, Hangup), (PosixSignal.SIGQUIT, Quit),
    ];

    // Linux numbering (signal(7), x86-64 and arm64 alike).
    private static readonly string[] Names =
    [
        "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",
        "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ];

    /// <summary>"SIGTERM" for 15; "signal 40" for numbers without a name (real-time signals).</summary>
    public static string Name(int signal) => signal > 0 && signal < Names.Length
        ? Names[signal]
        : string.Create(CultureInfo.InvariantCulture, $"signal {signal}");

    /// <summary>
    /// The signal that killed a process, from its exit code as .NET reports it (128 + S), or null for a normal exit.
    /// A program that itself exits with 128 + S looks the same; shells have the same ambiguity.
    /// </summary>
    public static int? FromExitCode(int exitCode) => exitCode > ExitCodeBase && exitCode < ExitCodeBase + 65 ? exitCode - ExitCodeBase : null;
}
