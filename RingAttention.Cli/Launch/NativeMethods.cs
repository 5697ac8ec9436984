using System.Runtime.InteropServices;

namespace RingAttention.Cli.Launch;

/// <summary>
/// libc calls the launcher needs and .NET does not offer: <see cref="System.Diagnostics.Process.Kill()"/> only
/// sends SIGKILL, and a rank must get SIGTERM (or the signal the launcher received) first so it can abort NCCL.
/// </summary>
internal static partial class NativeMethods
{
    /// <summary>kill(2): sends <paramref name="signal"/> to process <paramref name="processId"/>; 0 on success, -1 with errno set.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int processId, int signal);
}
