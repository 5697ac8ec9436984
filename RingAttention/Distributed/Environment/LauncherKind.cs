namespace RingAttention.Distributed;

/// <summary>Which launcher started this process, as told by the variables it left in the environment.</summary>
public enum LauncherKind
{
    /// <summary><c>ringattn launch</c>: RINGATTN_LAUNCHER=ringattn plus the torchrun variables.</summary>
    RingAttnLaunch,

    /// <summary>torchrun, or anything that sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT the way it does.</summary>
    Torchrun,

    /// <summary>Open MPI's mpirun: OMPI_COMM_WORLD_*, with MASTER_ADDR and MASTER_PORT passed through <c>mpirun -x</c>.</summary>
    OpenMpi,

    /// <summary>Slurm's srun: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NODEID and the step's node list.</summary>
    Slurm,
}
