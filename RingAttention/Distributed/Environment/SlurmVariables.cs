namespace RingAttention.Distributed;

/// <summary>
/// Reads the variables srun sets for each task (srun.1, "OUTPUT ENVIRONMENT VARIABLES"). The step's variables
/// (SLURM_STEP_*) come before the allocation's: an srun inside an sbatch allocation may use fewer tasks or nodes.
/// </summary>
internal static class SlurmVariables
{
    /// <summary>The global rank of the task.</summary>
    public const string ProcessId = "SLURM_PROCID";

    /// <summary>The rank of the task on its node.</summary>
    public const string LocalId = "SLURM_LOCALID";

    /// <summary>The index of the node among the step's nodes.</summary>
    public const string NodeId = "SLURM_NODEID";

    /// <summary>The job's id; also picks the default port.</summary>
    public const string JobId = "SLURM_JOB_ID";

    /// <summary>The step's id within the job.</summary>
    public const string StepId = "SLURM_STEP_ID";

    private static readonly string[] TaskCounts = ["SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"];
    private static readonly string[] NodeCounts = ["SLURM_STEP_NUM_NODES", "SLURM_NNODES"];
    private static readonly string[] TasksPerNode = ["SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"];
    private static readonly string[] NodeLists = ["SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST"];

    /// <summary>
    /// The first of the ports JAX derives from the job id (jax/_src/clusters/slurm_cluster.py:
    /// <c>61440 + int(job_id) % 4096</c>): every task of a job computes the same port without talking, and
    /// concurrent jobs on one node rarely collide. Using JAX's convention keeps one rule for people to know.
    /// </summary>
    private const int FirstDerivedPort = 61440;

    private const int DerivedPortCount = 4096;

    /// <summary>Reads and validates the layout.</summary>
    public static ProcessGroupLayout Read(VariableReader variables)
    {
        (string tasksName, int size) = FirstCount(variables, TaskCounts);
        int rank = variables.Index(ProcessId, size, VariableReader.Invariant($"{tasksName}={size}"));
        (string nodesName, int nodeCount) = FirstCount(variables, NodeCounts);
        int nodeRank = variables.Index(NodeId, nodeCount, VariableReader.Invariant($"{nodesName}={nodeCount}"));
        (string perNodeName, string perNode) = First(variables, TasksPerNode);
        int localSize = LocalSize(variables, perNodeName, perNode, nodeRank);
        int localRank = variables.Index(LocalId, localSize, VariableReader.Invariant($"{perNodeName}='{perNode}' for {NodeId}={nodeRank}"));

        return new ProcessGroupLayout(rank, size, localRank, localSize, nodeRank, nodeCount, MasterAddress(variables), MasterPort(variables));
    }

    /// <summary>MASTER_ADDR when given, else the first host of the step's node list, where task 0 runs under srun's default block distribution.</summary>
    private static string MasterAddress(VariableReader variables)
    {
        if (variables.Text(ProcessGroupVariables.MasterAddress) is { } address)
        {
            return address;
        }

        (string name, string list) = First(variables, NodeLists);
        try
        {
            return SlurmHostList.First(list);
        }
        catch (FormatException e)
        {
            throw variables.Fail($"{name}='{list}' is not a Slurm hostlist: {e.Message}");
        }
    }

    private static int MasterPort(VariableReader variables)
    {
        if (variables.Has(ProcessGroupVariables.MasterPort))
        {
            return variables.Port(ProcessGroupVariables.MasterPort);
        }

        int jobId = variables.RequiredInt(JobId);
        return jobId >= 0
            ? FirstDerivedPort + (jobId % DerivedPortCount)
            : throw variables.Fail(VariableReader.Invariant($"{JobId}={jobId} is not a job id (>= 0)"));
    }

    private static int LocalSize(VariableReader variables, string name, string list, int nodeRank)
    {
        try
        {
            return SlurmTasksPerNode.CountOn(list, nodeRank);
        }
        catch (FormatException e)
        {
            throw variables.Fail(VariableReader.Invariant($"{name}='{list}' gives no task count for {NodeId}={nodeRank}: {e.Message}"));
        }
    }

    private static (string Name, int Value) FirstCount(VariableReader variables, string[] names)
    {
        (string name, _) = First(variables, names);
        return (name, variables.Count(name));
    }

    /// <summary>The first of <paramref name="names"/> that is set, with its value.</summary>
    private static (string Name, string Value) First(VariableReader variables, string[] names)
    {
        foreach (string name in names)
        {
            if (variables.Text(name) is { } value)
            {
                return (name, value);
            }
        }

        throw variables.Fail($"neither {string.Join(" nor ", names)} is set");
    }
}
