namespace RingAttention.Distributed;

/// <summary>
/// The names of the variables <c>ringattn launch</c> sets and <see cref="ProcessGroupEnvironment"/> reads, in one
/// place so the two cannot drift apart. The torchrun names are torchrun's, so programs written for it run unchanged.
/// </summary>
public static class ProcessGroupVariables
{
    /// <summary>Global rank, 0 to WORLD_SIZE-1 (torchrun).</summary>
    public const string Rank = "RANK";

    /// <summary>Number of processes in the group (torchrun).</summary>
    public const string WorldSize = "WORLD_SIZE";

    /// <summary>Rank among the processes of this node (torchrun).</summary>
    public const string LocalRank = "LOCAL_RANK";

    /// <summary>Number of processes on this node (torchrun).</summary>
    public const string LocalWorldSize = "LOCAL_WORLD_SIZE";

    /// <summary>Index of this node (torchrun).</summary>
    public const string GroupRank = "GROUP_RANK";

    /// <summary>Number of nodes (torchrun).</summary>
    public const string GroupWorldSize = "GROUP_WORLD_SIZE";

    /// <summary>Host of rank 0, where the group's rendezvous listens.</summary>
    public const string MasterAddress = "MASTER_ADDR";

    /// <summary>TCP port of the rendezvous on <see cref="MasterAddress"/>.</summary>
    public const string MasterPort = "MASTER_PORT";

    /// <summary>Set to <see cref="RingAttnLauncherName"/> by <c>ringattn launch</c>.</summary>
    public const string Launcher = "RINGATTN_LAUNCHER";

    /// <summary>The value of <see cref="Launcher"/> that names <c>ringattn launch</c>.</summary>
    public const string RingAttnLauncherName = "ringattn";

    /// <summary>Identifies one run of the group (logs, NCCL host ids).</summary>
    public const string JobId = "RINGATTN_JOB_ID";

    /// <summary>1: every local rank uses GPU 0 (testing only).</summary>
    public const string ShareGpu = "RINGATTN_SHARE_GPU";

    /// <summary>The CUDA device this rank uses, overriding the default (its local rank, or 0 when sharing).</summary>
    public const string Device = "RINGATTN_DEVICE";
}
