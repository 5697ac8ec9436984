using RingAttention.Distributed;

namespace RingAttention.Tests.Distributed;

/// <summary>Every bad environment fails with a message naming the variable, its value and the launcher.</summary>
public sealed class ProcessGroupEnvironmentErrorTests
{
    private static readonly EnvironmentTable Torchrun = ProcessGroupEnvironmentTests.Torchrun;
    private static readonly EnvironmentTable OpenMpi = ProcessGroupEnvironmentTests.OpenMpi;
    private static readonly EnvironmentTable Slurm = ProcessGroupEnvironmentTests.Slurm;

    public static TheoryData<string, string[], string> TorchrunErrors() => new()
    {
        { "torchrun", ["RANK=x"], "RANK='x' is not an integer (torchrun-style environment)" },
        { "torchrun", ["RANK=8"], "RANK=8 is out of range [0, 8) set by WORLD_SIZE=8 (torchrun-style environment)" },
        { "torchrun", ["RANK=-1"], "RANK=-1 is out of range [0, 8) set by WORLD_SIZE=8 (torchrun-style environment)" },
        { "torchrun", ["WORLD_SIZE=0"], "WORLD_SIZE=0 must be at least 1 (torchrun-style environment)" },
        { "torchrun", ["WORLD_SIZE=8.0"], "WORLD_SIZE='8.0' is not an integer (torchrun-style environment)" },
        { "torchrun", ["LOCAL_RANK=4"], "LOCAL_RANK=4 is out of range [0, 4) set by LOCAL_WORLD_SIZE=4 (torchrun-style environment)" },
        { "torchrun", ["LOCAL_WORLD_SIZE=9"], "LOCAL_WORLD_SIZE=9 is larger than WORLD_SIZE=8 (torchrun-style environment)" },
        { "torchrun", ["GROUP_RANK=2"], "GROUP_RANK=2 is out of range [0, 2) set by GROUP_WORLD_SIZE=2 (torchrun-style environment)" },
        { "torchrun", ["MASTER_PORT=0"], "MASTER_PORT=0 is not a TCP port (1 to 65535) (torchrun-style environment)" },
        { "torchrun", ["MASTER_PORT=65536"], "MASTER_PORT=65536 is not a TCP port (1 to 65535) (torchrun-style environment)" },
        { "torchrun", ["MASTER_PORT= 29500"], "MASTER_PORT=' 29500' is not an integer (torchrun-style environment)" },
        { "torchrun", ["RINGATTN_SHARE_GPU=yes"], "RINGATTN_SHARE_GPU='yes' must be 1 or 0 (torchrun-style environment)" },
        { "torchrun", ["RINGATTN_DEVICE=-1"], "RINGATTN_DEVICE=-1 is not a device index (>= 0) (torchrun-style environment)" },
        { "ours", ["RANK=9"], "RANK=9 is out of range [0, 8) set by WORLD_SIZE=8 (ringattn launch environment)" },
        { "ours", ["RINGATTN_LAUNCHER=deepspeed"], "RINGATTN_LAUNCHER='deepspeed' is not a launcher this library knows; expected 'ringattn' (ringattn launch environment)" },
        { "openmpi", ["OMPI_COMM_WORLD_RANK=8"], "OMPI_COMM_WORLD_RANK=8 is out of range [0, 8) set by OMPI_COMM_WORLD_SIZE=8 (Open MPI environment)" },
        { "openmpi", ["OMPI_COMM_WORLD_LOCAL_SIZE=z"], "OMPI_COMM_WORLD_LOCAL_SIZE='z' is not an integer (Open MPI environment)" },
        { "openmpi", ["OMPI_COMM_WORLD_LOCAL_RANK=4"], "OMPI_COMM_WORLD_LOCAL_RANK=4 is out of range [0, 4) set by OMPI_COMM_WORLD_LOCAL_SIZE=4 (Open MPI environment)" },
        { "openmpi", ["MASTER_PORT=-5"], "MASTER_PORT=-5 is not a TCP port (1 to 65535) (Open MPI environment)" },
        { "slurm", ["SLURM_PROCID=7"], "SLURM_PROCID=7 is out of range [0, 7) set by SLURM_NTASKS=7 (Slurm environment)" },
        { "slurm", ["SLURM_NODEID=3"], "SLURM_NODEID=3 is out of range [0, 3) set by SLURM_NNODES=3 (Slurm environment)" },
        { "slurm", ["SLURM_LOCALID=3"], "SLURM_LOCALID=3 is out of range [0, 3) set by SLURM_TASKS_PER_NODE='3(x2),1' for SLURM_NODEID=1 (Slurm environment)" },
        { "slurm", ["SLURM_TASKS_PER_NODE=3(x1)"], "SLURM_TASKS_PER_NODE='3(x1)' gives no task count for SLURM_NODEID=1: it covers 1 node(s), not node 1 (Slurm environment)" },
        { "slurm", ["SLURM_TASKS_PER_NODE=3(y2)"], "SLURM_TASKS_PER_NODE='3(y2)' gives no task count for SLURM_NODEID=1: '3(y2)' is neither 'N' nor 'N(xM)' (Slurm environment)" },
        { "slurm", ["SLURM_JOB_NODELIST=gpu[07-09"], "SLURM_JOB_NODELIST='gpu[07-09' is not a Slurm hostlist: '[' at offset 3 is never closed (Slurm environment)" },
        { "slurm", ["SLURM_JOB_ID=abc"], "SLURM_JOB_ID='abc' is not an integer (Slurm environment)" },
        { "slurm", ["SLURM_JOB_ID=-4"], "SLURM_JOB_ID=-4 is not a job id (>= 0) (Slurm environment)" },
        { "slurm", ["SLURM_STEP_NUM_TASKS=0"], "SLURM_STEP_NUM_TASKS=0 must be at least 1 (Slurm environment)" },
        { "slurm", ["MASTER_PORT=70000"], "MASTER_PORT=70000 is not a TCP port (1 to 65535) (Slurm environment)" },
    };

    [Theory]
    [MemberData(nameof(TorchrunErrors))]
    public void Malformed_or_inconsistent_values_name_the_variable_value_and_launcher(string launcher, string[] changes, string expected)
    {
        EnvironmentTable table = launcher switch
        {
            "torchrun" => Torchrun.With(changes),
            "ours" => Torchrun.With("RINGATTN_LAUNCHER=ringattn").With(changes),
            "openmpi" => OpenMpi.With(changes),
            "slurm" => Slurm.With(changes),
            _ => throw new ArgumentOutOfRangeException(nameof(launcher)),
        };

        DistributedSetupException e = Assert.Throws<DistributedSetupException>(() => ProcessGroupEnvironment.Read(table.Get));

        Assert.Equal(expected, e.Message);
    }

    [Theory]
    [InlineData("torchrun", "WORLD_SIZE", "WORLD_SIZE is not set (torchrun-style environment)")]
    [InlineData("torchrun", "LOCAL_RANK", "LOCAL_RANK is not set (torchrun-style environment)")]
    [InlineData("torchrun", "MASTER_ADDR", "MASTER_ADDR is not set (torchrun-style environment)")]
    [InlineData("torchrun", "MASTER_PORT", "MASTER_PORT is not set (torchrun-style environment)")]
    [InlineData("slurm", "SLURM_LOCALID", "SLURM_LOCALID is not set (Slurm environment)")]
    [InlineData("slurm", "SLURM_NNODES", "neither SLURM_STEP_NUM_NODES nor SLURM_NNODES is set (Slurm environment)")]
    [InlineData("slurm", "SLURM_TASKS_PER_NODE", "neither SLURM_STEP_TASKS_PER_NODE nor SLURM_TASKS_PER_NODE is set (Slurm environment)")]
    [InlineData("slurm", "SLURM_JOB_NODELIST", "neither SLURM_STEP_NODELIST nor SLURM_JOB_NODELIST is set (Slurm environment)")]
    [InlineData("slurm", "SLURM_JOB_ID", "SLURM_JOB_ID is not set (Slurm environment)")]
    public void Missing_variables_are_named(string launcher, string removed, string expected)
    {
        EnvironmentTable table = (launcher == "slurm" ? Slurm : Torchrun).Without(removed);

        Assert.Equal(expected, Assert.Throws<DistributedSetupException>(() => ProcessGroupEnvironment.Read(table.Get)).Message);
    }

    [Theory]
    [InlineData("MASTER_ADDR")]
    [InlineData("MASTER_PORT")]
    public void Open_mpi_without_master_says_to_pass_it_with_mpirun_x(string removed)
    {
        DistributedSetupException e = Assert.Throws<DistributedSetupException>(() => ProcessGroupEnvironment.Read(OpenMpi.Without(removed).Get));

        Assert.Equal(
            $"{removed} is not set: Open MPI does not export one; pass rank 0's host and a free port with "
            + "mpirun -x MASTER_ADDR=<host> -x MASTER_PORT=<port> (Open MPI environment)",
            e.Message);
    }

    [Fact]
    public void Torchrun_style_world_that_does_not_split_over_the_nodes_is_an_error()
    {
        var table = new EnvironmentTable("RANK=0", "WORLD_SIZE=7", "LOCAL_RANK=0", "GROUP_WORLD_SIZE=2", "MASTER_ADDR=h", "MASTER_PORT=2");

        Assert.Equal(
            "LOCAL_WORLD_SIZE is not set and WORLD_SIZE=7 does not split evenly over GROUP_WORLD_SIZE=2 nodes (torchrun-style environment)",
            Assert.Throws<DistributedSetupException>(() => ProcessGroupEnvironment.Read(table.Get)).Message);
    }

    [Fact]
    public void No_launcher_at_all_is_an_error_listing_what_was_looked_for()
    {
        DistributedSetupException e = Assert.Throws<DistributedSetupException>(
            () => ProcessGroupEnvironment.Read(new EnvironmentTable("MASTER_ADDR=h", "PATH=/bin").Get));

        Assert.Contains("no launcher environment found", e.Message, StringComparison.Ordinal);
        Assert.Contains("SLURM_PROCID", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<InvalidOperationException>(e);
    }
}
