namespace RingAttention.Distributed;

/// <summary>
/// Reads Open MPI's per-process variables (docs.open-mpi.org, "Environment variables set for MPI applications").
/// mpirun exports no address for a rendezvous, so MASTER_ADDR and MASTER_PORT must come through <c>mpirun -x</c>.
/// </summary>
internal static class OpenMpiVariables
{
    /// <summary>The global rank.</summary>
    public const string Rank = "OMPI_COMM_WORLD_RANK";

    /// <summary>The number of processes.</summary>
    public const string Size = "OMPI_COMM_WORLD_SIZE";

    /// <summary>The rank among this job's processes on this node.</summary>
    public const string LocalRank = "OMPI_COMM_WORLD_LOCAL_RANK";

    /// <summary>The number of this job's processes on this node.</summary>
    public const string LocalSize = "OMPI_COMM_WORLD_LOCAL_SIZE";

    private const string PassMaster =
        "Open MPI does not export one; pass rank 0's host and a free port with mpirun -x MASTER_ADDR=<host> -x MASTER_PORT=<port>";

    /// <summary>
    /// Reads and validates the layout. Open MPI gives no node index; it is derived as rank / local size, which
    /// holds for mpirun's default block mapping (by slot or core) on equal nodes, not for <c>--map-by node</c>.
    /// </summary>
    public static ProcessGroupLayout Read(VariableReader variables)
    {
        int size = variables.Count(Size);
        int rank = variables.Index(Rank, size, VariableReader.Invariant($"{Size}={size}"));
        int localSize = variables.Count(LocalSize);
        int localRank = variables.Index(LocalRank, localSize, VariableReader.Invariant($"{LocalSize}={localSize}"));
        int nodeCount = (size + localSize - 1) / localSize;
        return new ProcessGroupLayout(
            rank,
            size,
            localRank,
            localSize,
            rank / localSize,
            nodeCount,
            variables.Required(ProcessGroupVariables.MasterAddress, PassMaster),
            variables.Port(ProcessGroupVariables.MasterPort, PassMaster));
    }
}
