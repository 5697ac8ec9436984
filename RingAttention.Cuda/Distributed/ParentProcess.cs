using System.Runtime.InteropServices;

namespace RingAttention.Cuda.Distributed;

/// <summary>
/// This process's parent, for a rank that must not outlive its launcher: when a launcher is SIGKILLed it cannot stop its
/// ranks (torchrun's agent leaves orphans then), so the watchdog stops a rank whose parent changed. Polling getppid
/// rather than prctl(PR_SET_PDEATHSIG): that signal fires when the launcher's *thread* that started the rank ends, and a
/// .NET launcher may start processes from pool threads that come and go.
/// </summary>
internal static partial class ParentProcess
{
    /// <summary>The parent's process id; 0 where it cannot be read (not Linux).</summary>
    public static int Id => OperatingSystem.IsLinux() ? GetParentProcessId() : 0;

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}
