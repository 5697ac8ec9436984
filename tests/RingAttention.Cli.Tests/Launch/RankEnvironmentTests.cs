using RingAttention.Cli.Launch;
using RingAttention.Distributed;

namespace RingAttention.Cli.Tests.Launch;

/// <summary>The launcher's variables, applied to an inherited environment, and read back by the library.</summary>
public sealed class RankEnvironmentTests
{
    private static readonly LaunchPlan Plan = new()
    {
        Program = "p",
        Arguments = [],
        ProcessesPerNode = 4,
        NodeCount = 2,
        NodeRank = 1,
        MasterAddress = "head",
        MasterPort = 29500,
        JobId = "j7",
        ShareGpu = true,
    };

    [Fact]
    public void What_the_launcher_sets_reads_back_as_the_same_group()
    {
        Dictionary<string, string?> environment = Apply(Plan, 2, new() { ["OMPI_COMM_WORLD_RANK"] = "0", ["SLURM_PROCID"] = "5" });

        ProcessGroupEnvironment group = ProcessGroupEnvironment.Read(environment.GetValueOrDefault);

        Assert.Equal(LauncherKind.RingAttnLaunch, group.Launcher);
        Assert.Equal((6, 8, 2, 4, 1, 2), (group.Rank, group.WorldSize, group.LocalRank, group.LocalWorldSize, group.NodeRank, group.NodeCount));
        Assert.Equal(("head", 29500, "j7"), (group.MasterAddress, group.MasterPort, group.JobId));
        Assert.Equal((true, 0), (group.ShareGpu, group.Device));
    }

    [Fact]
    public void Inherited_torchelastic_and_sharing_variables_are_removed_and_the_users_nvls_choice_kept()
    {
        var inherited = new Dictionary<string, string?>
        {
            ["TORCHELASTIC_RUN_ID"] = "old",
            ["TORCHELASTIC_RESTART_COUNT"] = "2",
            ["RINGATTN_SHARE_GPU"] = "1",
            ["RINGATTN_DEVICE"] = "3",
            ["NCCL_NVLS_ENABLE"] = "1",
            ["HOME"] = "/home/me",
        };

        Dictionary<string, string?> environment = Apply(Plan with { ShareGpu = false }, 0, inherited);

        Assert.DoesNotContain("TORCHELASTIC_RUN_ID", environment.Keys);
        Assert.DoesNotContain("TORCHELASTIC_RESTART_COUNT", environment.Keys);
        Assert.DoesNotContain("RINGATTN_SHARE_GPU", environment.Keys);
        Assert.DoesNotContain("RINGATTN_DEVICE", environment.Keys);
        Assert.DoesNotContain("NCCL_HOSTID", environment.Keys);
        Assert.Equal("1", environment["NCCL_NVLS_ENABLE"]);
        Assert.Equal("/home/me", environment["HOME"]);
        Assert.Equal(4, ProcessGroupEnvironment.Read(environment.GetValueOrDefault).Rank);
    }

    [Fact]
    public void Nvls_is_turned_off_when_the_user_did_not_choose()
    {
        Assert.Equal("0", Apply(Plan, 0, [])["NCCL_NVLS_ENABLE"]);
    }

    private static Dictionary<string, string?> Apply(LaunchPlan plan, int localRank, Dictionary<string, string?> inherited)
    {
        var environment = new Dictionary<string, string?>(inherited, StringComparer.Ordinal);
        RankEnvironment.Apply(plan, localRank, environment);
        return environment;
    }
}
