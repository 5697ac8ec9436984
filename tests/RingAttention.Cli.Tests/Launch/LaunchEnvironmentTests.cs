using RingAttention.Distributed;

namespace RingAttention.Cli.Tests.Launch;

/// <summary>What each rank finds in its environment.</summary>
public sealed class LaunchEnvironmentTests
{
    private const string PrintVariables =
        "for v in RANK WORLD_SIZE LOCAL_RANK LOCAL_WORLD_SIZE GROUP_RANK GROUP_WORLD_SIZE MASTER_ADDR MASTER_PORT RINGATTN_LAUNCHER "
        + "RINGATTN_JOB_ID RINGATTN_SHARE_GPU RINGATTN_DEVICE NCCL_HOSTID NCCL_NVLS_ENABLE TORCHELASTIC_RUN_ID; "
        + "do eval \"echo $v=\\${$v-unset}\"; done";

    [Fact]
    public async Task Shared_gpu_ranks_get_torchrun_variables_one_port_and_distinct_nccl_host_ids()
    {
        CliResult result = await LaunchRunner.ShellAsync(3, PrintVariables, ["--share-gpu", "--job-id", "t-1"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Dictionary<int, Dictionary<string, string>> ranks = Variables(result);
        Assert.Equal([0, 1, 2], ranks.Keys.Order());
        string port = ranks[0]["MASTER_PORT"];
        Assert.InRange(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture), 1, 65535);
        foreach ((int rank, Dictionary<string, string> v) in ranks)
        {
            Assert.Equal($"{rank}", v["RANK"]);
            Assert.Equal("3", v["WORLD_SIZE"]);
            Assert.Equal($"{rank}", v["LOCAL_RANK"]);
            Assert.Equal("3", v["LOCAL_WORLD_SIZE"]);
            Assert.Equal(("0", "1"), (v["GROUP_RANK"], v["GROUP_WORLD_SIZE"]));
            Assert.Equal(("127.0.0.1", port), (v["MASTER_ADDR"], v["MASTER_PORT"]));
            Assert.Equal(("ringattn", "t-1"), (v["RINGATTN_LAUNCHER"], v["RINGATTN_JOB_ID"]));
            Assert.Equal(("1", "0"), (v["RINGATTN_SHARE_GPU"], v["RINGATTN_DEVICE"]));
            Assert.Equal($"ringattn-t-1-{rank}", v["NCCL_HOSTID"]);
            Assert.Equal(Environment.GetEnvironmentVariable("NCCL_NVLS_ENABLE") ?? "0", v["NCCL_NVLS_ENABLE"]);
        }

        Assert.Equal(3, ranks.Values.Select(v => v["NCCL_HOSTID"]).Distinct().Count());
    }

    [Fact]
    public async Task Second_node_ranks_continue_the_numbering_and_use_the_given_master()
    {
        string[] options = ["--nnodes", "2", "--node-rank", "1", "--master-addr", "10.1.2.3", "--master-port", "29555"];

        CliResult result = await LaunchRunner.ShellAsync(2, PrintVariables, options);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Dictionary<int, Dictionary<string, string>> ranks = Variables(result);
        Assert.Equal([2, 3], ranks.Keys.Order());
        foreach ((int rank, Dictionary<string, string> v) in ranks)
        {
            Assert.Equal(($"{rank}", "4", $"{rank - 2}", "2"), (v["RANK"], v["WORLD_SIZE"], v["LOCAL_RANK"], v["LOCAL_WORLD_SIZE"]));
            Assert.Equal(("1", "2"), (v["GROUP_RANK"], v["GROUP_WORLD_SIZE"]));
            Assert.Equal(("10.1.2.3", "29555"), (v["MASTER_ADDR"], v["MASTER_PORT"]));
            Assert.Matches("^[0-9a-f]{16}$", v["RINGATTN_JOB_ID"]);
            Assert.Equal(("unset", "unset"), (v["RINGATTN_SHARE_GPU"], v["RINGATTN_DEVICE"]));
            Assert.Equal("unset", v["TORCHELASTIC_RUN_ID"]);
        }

        Assert.Equal(ranks[2]["RINGATTN_JOB_ID"], ranks[3]["RINGATTN_JOB_ID"]);
    }

    /// <summary>"[rank R] NAME=value" lines as a table per rank.</summary>
    private static Dictionary<int, Dictionary<string, string>> Variables(CliResult result) =>
        LaunchRunner.ByRank(result.StdoutLines).ToDictionary(
            pair => pair.Key,
            pair => pair.Value.Select(line => line.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal));
}
