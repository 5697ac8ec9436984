namespace RingAttention.Distributed;

/// <summary>
/// Decides which launcher's variables describe this process. Launchers nest (mpirun inside a Slurm allocation
/// still sees SLURM_*, torchrun inside srun sees both), so the innermost launcher wins: ours, then torchrun's,
/// then Open MPI's, then Slurm's, the order JAX and DeepSpeed use too.
/// </summary>
internal static class LauncherDetection
{
    /// <summary>The launcher, or null when no launcher's variables are present.</summary>
    public static LauncherKind? Detect(Func<string, string?> variable)
    {
        // The probe's name only shows in the one error it can raise: a launcher variable that claims to be ours.
        var probe = new VariableReader(variable, EnvironmentName(LauncherKind.RingAttnLaunch));
        if (probe.Text(ProcessGroupVariables.Launcher) is { } launcher)
        {
            return launcher == ProcessGroupVariables.RingAttnLauncherName
                ? LauncherKind.RingAttnLaunch
                : throw probe.Fail($"{ProcessGroupVariables.Launcher}='{launcher}' is not a launcher this library knows; expected '{ProcessGroupVariables.RingAttnLauncherName}'");
        }

        if (probe.Has(ProcessGroupVariables.Rank) || probe.Has(ProcessGroupVariables.WorldSize))
        {
            return LauncherKind.Torchrun;
        }

        if (probe.Has(OpenMpiVariables.Rank) || probe.Has(OpenMpiVariables.Size))
        {
            return LauncherKind.OpenMpi;
        }

        return probe.Has(SlurmVariables.ProcessId) ? LauncherKind.Slurm : null;
    }

    /// <summary>How messages name the launcher's environment.</summary>
    public static string EnvironmentName(LauncherKind launcher) => launcher switch
    {
        LauncherKind.RingAttnLaunch => "ringattn launch environment",
        LauncherKind.Torchrun => "torchrun-style environment",
        LauncherKind.OpenMpi => "Open MPI environment",
        LauncherKind.Slurm => "Slurm environment",
        _ => throw new ArgumentOutOfRangeException(nameof(launcher), launcher, "unknown launcher"),
    };

    /// <summary>Reads the layout with the launcher's own reader.</summary>
    public static ProcessGroupLayout ReadLayout(LauncherKind launcher, VariableReader variables) => launcher switch
    {
        LauncherKind.RingAttnLaunch or LauncherKind.Torchrun => TorchrunVariables.Read(variables),
        LauncherKind.OpenMpi => OpenMpiVariables.Read(variables),
        LauncherKind.Slurm => SlurmVariables.Read(variables),
        _ => throw new ArgumentOutOfRangeException(nameof(launcher), launcher, "unknown launcher"),
    };
}
