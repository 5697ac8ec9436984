namespace RingAttention.Distributed;

/// <summary>
/// This process's place in a group of processes (one per GPU), read from the variables its launcher set:
/// <c>ringattn launch</c>, torchrun, Open MPI's mpirun or Slurm's srun. Immutable; every value has been
/// validated, so a bad job script fails here, naming the variable, rather than as a hang inside NCCL.
/// </summary>
public sealed class ProcessGroupEnvironment
{
    private const string TorchelasticRunId = "TORCHELASTIC_RUN_ID";
    private const string OpenMpiServerUri = "OMPI_MCA_orte_hnp_uri";
    private const string PmixNamespace = "PMIX_NAMESPACE";
    private const string DefaultJobId = "job";

    private ProcessGroupEnvironment()
    {
    }

    /// <summary>Global rank, in [0, <see cref="WorldSize"/>).</summary>
    public int Rank { get; private init; }

    /// <summary>Number of processes in the group, at least 1.</summary>
    public int WorldSize { get; private init; }

    /// <summary>Rank among the processes of this node, in [0, <see cref="LocalWorldSize"/>).</summary>
    public int LocalRank { get; private init; }

    /// <summary>Number of processes on this node.</summary>
    public int LocalWorldSize { get; private init; }

    /// <summary>Index of this node, in [0, <see cref="NodeCount"/>).</summary>
    public int NodeRank { get; private init; }

    /// <summary>Number of nodes.</summary>
    public int NodeCount { get; private init; }

    /// <summary>Host of rank 0, where the group's rendezvous listens.</summary>
    public string MasterAddress { get; private init; } = string.Empty;

    /// <summary>TCP port of the rendezvous, 1 to 65535.</summary>
    public int MasterPort { get; private init; }

    /// <summary>The launcher whose variables were read.</summary>
    public LauncherKind Launcher { get; private init; }

    /// <summary>
    /// Identifies this run: RINGATTN_JOB_ID, else TORCHELASTIC_RUN_ID, else SLURM_JOB_ID (with "." and
    /// SLURM_STEP_ID when set), else Open MPI's job (OMPI_MCA_orte_hnp_uri up to its ';', or PMIX_NAMESPACE),
    /// else "job".
    /// </summary>
    public string JobId { get; private init; } = DefaultJobId;

    /// <summary>
    /// RINGATTN_SHARE_GPU=1: every local rank runs on one GPU (testing only; NCCL then needs distinct host ids and
    /// goes over sockets).
    /// </summary>
    public bool ShareGpu { get; private init; }

    /// <summary>The CUDA device to use: RINGATTN_DEVICE when set, else 0 when <see cref="ShareGpu"/>, else <see cref="LocalRank"/>.</summary>
    public int Device { get; private init; }

    /// <summary>
    /// Whether any launcher's variables are present. Lets a program fall back to a single process when started
    /// by hand, while <see cref="Read"/> still fails loudly on a half-set environment.
    /// </summary>
    public static bool IsPresent(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var probe = new VariableReader(variable, "environment");
        return probe.Has(ProcessGroupVariables.Launcher)
            || probe.Has(ProcessGroupVariables.Rank)
            || probe.Has(ProcessGroupVariables.WorldSize)
            || probe.Has(OpenMpiVariables.Rank)
            || probe.Has(OpenMpiVariables.Size)
            || probe.Has(SlurmVariables.ProcessId);
    }

    /// <summary>Reads this process's environment (<see cref="Environment.GetEnvironmentVariable(string)"/>).</summary>
    /// <exception cref="DistributedSetupException">No launcher's variables are present, or one is missing, malformed or inconsistent.</exception>
    public static ProcessGroupEnvironment FromProcess() => Read(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Reads the group from <paramref name="variable"/> (a variable's value by name, null when unset), which is
    /// the only source consulted: tests pass a dictionary.
    /// </summary>
    /// <exception cref="DistributedSetupException">No launcher's variables are present, or one is missing, malformed or inconsistent.</exception>
    public static ProcessGroupEnvironment Read(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        LauncherKind launcher = LauncherDetection.Detect(variable) ?? throw new DistributedSetupException(
            "no launcher environment found: expected the variables of ringattn launch or torchrun (RANK, WORLD_SIZE), "
            + "Open MPI (OMPI_COMM_WORLD_RANK) or Slurm (SLURM_PROCID)");
        var variables = new VariableReader(variable, LauncherDetection.EnvironmentName(launcher));
        ProcessGroupLayout layout = LauncherDetection.ReadLayout(launcher, variables);
        bool shareGpu = ReadShareGpu(variables);
        return new ProcessGroupEnvironment
        {
            Rank = layout.Rank,
            WorldSize = layout.WorldSize,
            LocalRank = layout.LocalRank,
            LocalWorldSize = layout.LocalWorldSize,
            NodeRank = layout.NodeRank,
            NodeCount = layout.NodeCount,
            MasterAddress = layout.MasterAddress,
            MasterPort = layout.MasterPort,
            Launcher = launcher,
            JobId = ReadJobId(variables),
            ShareGpu = shareGpu,
            Device = ReadDevice(variables, shareGpu, layout.LocalRank),
        };
    }

    /// <summary>One line for logs, e.g. "rank 3 of 8 (local 1 of 4, node 1 of 2), master 10.0.0.1:29500, device 1, job 42.0, torchrun-style environment".</summary>
    public string Describe() => VariableReader.Invariant(
        $"rank {Rank} of {WorldSize} (local {LocalRank} of {LocalWorldSize}, node {NodeRank} of {NodeCount}), master {MasterAddress}:{MasterPort}, device {Device}{(ShareGpu ? " (shared GPU)" : string.Empty)}, job {JobId}, {LauncherDetection.EnvironmentName(Launcher)}");

    private static string ReadJobId(VariableReader variables)
    {
        if ((variables.Text(ProcessGroupVariables.JobId) ?? variables.Text(TorchelasticRunId)) is { } id)
        {
            return id;
        }

        if (variables.Text(SlurmVariables.JobId) is { } slurmJob)
        {
            return variables.Text(SlurmVariables.StepId) is { } step ? $"{slurmJob}.{step}" : slurmJob;
        }

        // Open MPI 4's URI is "jobid;tcp://host:port,...": the job part is the id, the rest changes per mpirun host.
        if (variables.Text(OpenMpiServerUri) is { } uri)
        {
            return uri.Split(';')[0];
        }

        return variables.Text(PmixNamespace) ?? DefaultJobId;
    }

    private static bool ReadShareGpu(VariableReader variables) => variables.Text(ProcessGroupVariables.ShareGpu) switch
    {
        null or "0" => false,
        "1" => true,
        string other => throw variables.Fail($"{ProcessGroupVariables.ShareGpu}='{other}' must be 1 or 0"),
    };

    private static int ReadDevice(VariableReader variables, bool shareGpu, int localRank)
    {
        if (variables.OptionalInt(ProcessGroupVariables.Device) is not int device)
        {
            return shareGpu ? 0 : localRank;
        }

        return device >= 0 ? device : throw variables.Fail(VariableReader.Invariant($"{ProcessGroupVariables.Device}={device} is not a device index (>= 0)"));
    }
}
