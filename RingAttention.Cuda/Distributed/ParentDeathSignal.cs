using System.Runtime.InteropServices;

namespace RingAttention.Cuda.Distributed;

/// <summary>
/// Asks Linux to SIGKILL this process when the process that started it dies (prctl PR_SET_PDEATHSIG), so that a rank
/// never outlives a launcher that was itself killed: torchrun's agent leaves orphans in that case, ours must not.
/// </summary>
internal static partial class ParentDeathSignal
{
    private const int PrSetPdeathsig = 1;
    private const int SigKill = 9;

    /// <summary>Arms the signal; returns false where the call is unavailable (not Linux) or refused.</summary>
    public static bool Arm() => OperatingSystem.IsLinux() && Prctl(PrSetPdeathsig, SigKill, 0, 0, 0) == 0;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
