using RingAttention.Distributed;

namespace RingAttention.Tests.Distributed;

/// <summary>What each launcher's environment reads as, and which launcher wins when several are present.</summary>
public sealed class ProcessGroupEnvironmentTests
{
    internal static readonly EnvironmentTable Torchrun = new(
        "RANK=5", "WORLD_SIZE=8", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=4", "GROUP_RANK=1", "GROUP_WORLD_SIZE=2",
        "MASTER_ADDR=10.0.0.1", "MASTER_PORT=29500", "TORCHELASTIC_RUN_ID=elastic-7");

    internal static readonly EnvironmentTable OpenMpi = new(
        "OMPI_COMM_WORLD_RANK=6", "OMPI_COMM_WORLD_SIZE=8", "OMPI_COMM_WORLD_LOCAL_RANK=2", "OMPI_COMM_WORLD_LOCAL_SIZE=4",
        "MASTER_ADDR=mpi-head", "MASTER_PORT=12345", "OMPI_MCA_orte_hnp_uri=3141.0;tcp://10.1.1.1:40000");

    internal static readonly EnvironmentTable Slurm = new(
        "SLURM_PROCID=4", "SLURM_NTASKS=7", "SLURM_LOCALID=1", "SLURM_NODEID=1", "SLURM_NNODES=3",
        "SLURM_TASKS_PER_NODE=3(x2),1", "SLURM_JOB_NODELIST=gpu[07-09]", "SLURM_JOB_ID=123456", "SLURM_STEP_ID=2");

    [Fact]
    public void Torchrun_variables_are_read_as_set()
    {
        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(Torchrun.Get);

        AssertGroup(env, LauncherKind.Torchrun, rank: 5, world: 8, localRank: 1, localWorld: 4, node: 1, nodes: 2);
        Assert.Equal(("10.0.0.1", 29500), (env.MasterAddress, env.MasterPort));
        Assert.Equal("elastic-7", env.JobId);
        Assert.False(env.ShareGpu);
        Assert.Equal(1, env.Device);
    }

    [Fact]
    public void Torchrun_style_minimum_derives_the_node_layout_from_node_major_ranks()
    {
        var table = new EnvironmentTable("RANK=2", "WORLD_SIZE=4", "LOCAL_RANK=2", "MASTER_ADDR=localhost", "MASTER_PORT=1");

        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(table.Get);

        AssertGroup(env, LauncherKind.Torchrun, rank: 2, world: 4, localRank: 2, localWorld: 4, node: 0, nodes: 1);
        Assert.Equal("job", env.JobId);
    }

    [Fact]
    public void Torchrun_style_with_node_count_only_splits_the_world_evenly()
    {
        var table = new EnvironmentTable("RANK=7", "WORLD_SIZE=8", "LOCAL_RANK=3", "GROUP_WORLD_SIZE=2", "MASTER_ADDR=h", "MASTER_PORT=2");

        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(table.Get);

        AssertGroup(env, LauncherKind.Torchrun, rank: 7, world: 8, localRank: 3, localWorld: 4, node: 1, nodes: 2);
    }

    [Fact]
    public void Our_launcher_is_named_and_its_job_id_and_device_settings_apply()
    {
        EnvironmentTable table = Torchrun.With("RINGATTN_LAUNCHER=ringattn", "RINGATTN_JOB_ID=abc123", "RINGATTN_SHARE_GPU=1");

        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(table.Get);

        AssertGroup(env, LauncherKind.RingAttnLaunch, rank: 5, world: 8, localRank: 1, localWorld: 4, node: 1, nodes: 2);
        Assert.Equal("abc123", env.JobId);
        Assert.True(env.ShareGpu);
        Assert.Equal(0, env.Device);
    }

    [Theory]
    [InlineData("RINGATTN_DEVICE=3", "RINGATTN_SHARE_GPU=1", 3)]
    [InlineData("RINGATTN_DEVICE=3", "RINGATTN_SHARE_GPU=0", 3)]
    [InlineData("RINGATTN_JOB_ID=x", "RINGATTN_SHARE_GPU=0", 1)]
    public void Device_is_the_override_else_zero_when_sharing_else_the_local_rank(string first, string second, int expected)
    {
        Assert.Equal(expected, ProcessGroupEnvironment.Read(Torchrun.With(first, second).Get).Device);
    }

    [Fact]
    public void Open_mpi_variables_are_read_with_block_mapping()
    {
        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(OpenMpi.Get);

        AssertGroup(env, LauncherKind.OpenMpi, rank: 6, world: 8, localRank: 2, localWorld: 4, node: 1, nodes: 2);
        Assert.Equal(("mpi-head", 12345), (env.MasterAddress, env.MasterPort));
        Assert.Equal("3141.0", env.JobId);
        Assert.Equal(2, env.Device);
    }

    [Fact]
    public void Open_mpi_5_job_id_comes_from_the_pmix_namespace()
    {
        EnvironmentTable table = OpenMpi.Without("OMPI_MCA_orte_hnp_uri").With("PMIX_NAMESPACE=prterun-host-4242@1");

        Assert.Equal("prterun-host-4242@1", ProcessGroupEnvironment.Read(table.Get).JobId);
    }

    [Fact]
    public void Slurm_variables_are_read_with_the_first_node_as_master_and_the_jax_port()
    {
        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(Slurm.Get);

        AssertGroup(env, LauncherKind.Slurm, rank: 4, world: 7, localRank: 1, localWorld: 3, node: 1, nodes: 3);
        Assert.Equal("gpu07", env.MasterAddress);
        Assert.Equal(61440 + (123456 % 4096), env.MasterPort);
        Assert.Equal(61440 + 576, env.MasterPort);
        Assert.Equal("123456.2", env.JobId);
    }

    [Fact]
    public void Slurm_step_variables_win_over_the_allocation_ones()
    {
        EnvironmentTable table = Slurm.With(
            "SLURM_STEP_NUM_TASKS=2", "SLURM_STEP_NUM_NODES=1", "SLURM_STEP_TASKS_PER_NODE=2", "SLURM_STEP_NODELIST=gpu[09]",
            "SLURM_PROCID=1", "SLURM_NODEID=0");

        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(table.Get);

        AssertGroup(env, LauncherKind.Slurm, rank: 1, world: 2, localRank: 1, localWorld: 2, node: 0, nodes: 1);
        Assert.Equal("gpu09", env.MasterAddress);
    }

    [Fact]
    public void Slurm_master_variables_win_over_the_derived_ones()
    {
        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(Slurm.With("MASTER_ADDR=login7", "MASTER_PORT=29400").Get);

        Assert.Equal(("login7", 29400), (env.MasterAddress, env.MasterPort));
    }

    [Fact]
    public void Open_mpi_wins_over_slurm_when_mpirun_runs_inside_an_allocation()
    {
        EnvironmentTable both = OpenMpi.With(Slurm.Assignments);

        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(both.Get);

        Assert.Equal(LauncherKind.OpenMpi, env.Launcher);
        Assert.Equal((6, 8), (env.Rank, env.WorldSize));

        // The job id order is fixed, whichever launcher is read: Slurm's id comes before Open MPI's.
        Assert.Equal("123456.2", env.JobId);
    }

    [Fact]
    public void Torchrun_wins_over_open_mpi_and_slurm()
    {
        var all = new EnvironmentTable([.. OpenMpi.Assignments, .. Slurm.Assignments, .. Torchrun.Assignments]);

        ProcessGroupEnvironment env = ProcessGroupEnvironment.Read(all.Get);

        Assert.Equal(LauncherKind.Torchrun, env.Launcher);
        Assert.Equal((5, 8, "10.0.0.1"), (env.Rank, env.WorldSize, env.MasterAddress));
    }

    [Fact]
    public void Our_launcher_wins_over_every_other()
    {
        var all = new EnvironmentTable([.. OpenMpi.Assignments, .. Slurm.Assignments, .. Torchrun.Assignments, "RINGATTN_LAUNCHER=ringattn"]);

        Assert.Equal(LauncherKind.RingAttnLaunch, ProcessGroupEnvironment.Read(all.Get).Launcher);
    }

    [Fact]
    public void Presence_is_any_launchers_variable()
    {
        Assert.True(ProcessGroupEnvironment.IsPresent(Torchrun.Get));
        Assert.True(ProcessGroupEnvironment.IsPresent(OpenMpi.Get));
        Assert.True(ProcessGroupEnvironment.IsPresent(Slurm.Get));
        Assert.True(ProcessGroupEnvironment.IsPresent(new EnvironmentTable("RINGATTN_LAUNCHER=other").Get));
        Assert.False(ProcessGroupEnvironment.IsPresent(new EnvironmentTable("MASTER_ADDR=h", "SLURM_JOB_ID=3", "RANK=").Get));
    }

    [Fact]
    public void Only_the_given_lookup_is_consulted()
    {
        // A variable of the real process environment must not leak in: PATH is always set, nothing here reads it.
        EnvironmentTable table = Torchrun.With();

        ProcessGroupEnvironment.Read(table.Get);

        Assert.DoesNotContain("PATH", table.Read);
        Assert.Contains("RANK", table.Read);
    }

    [Fact]
    public void Describe_is_one_line_with_every_value()
    {
        string line = ProcessGroupEnvironment.Read(Torchrun.With("RINGATTN_SHARE_GPU=1").Get).Describe();

        Assert.Equal(
            "rank 5 of 8 (local 1 of 4, node 1 of 2), master 10.0.0.1:29500, device 0 (shared GPU), job elastic-7, torchrun-style environment",
            line);
    }

    private static void AssertGroup(ProcessGroupEnvironment env, LauncherKind launcher, int rank, int world, int localRank, int localWorld, int node, int nodes)
    {
        Assert.Equal(launcher, env.Launcher);
        Assert.Equal(
            (rank, world, localRank, localWorld, node, nodes),
            (env.Rank, env.WorldSize, env.LocalRank, env.LocalWorldSize, env.NodeRank, env.NodeCount));
    }
}
