using System.Globalization;
using RingAttention.Distributed;

namespace RingAttention.Cli.Launch;

/// <summary>
/// The variables a rank's environment gets on top of the launcher's own: torchrun's names (so programs written for
/// torchrun run unchanged) plus ours. <see cref="ProcessGroupEnvironment"/> reads them back in the rank.
/// </summary>
internal static class RankEnvironment
{
    /// <summary>
    /// NVLink SHARP (multicast): left alone when the user set it, otherwise 0. The ring's point-to-point transfers
    /// gain nothing from it, and on shared multi-GPU hosts a program using it can put the GPUs out of service.
    /// </summary>
    public const string NvlsEnable = "NCCL_NVLS_ENABLE";

    /// <summary>Per-rank NCCL host identity, set when ranks share a GPU.</summary>
    public const string NcclHostId = "NCCL_HOSTID";

    /// <summary>torchrun's agent variables: inherited ones (a launch inside a torchrun worker) would describe another group.</summary>
    private const string TorchelasticPrefix = "TORCHELASTIC_";

    /// <summary>
    /// The changes to make to <paramref name="inherited"/> (the launcher's environment) for local rank
    /// <paramref name="localRank"/>: a value to set, or null to remove the variable.
    /// </summary>
    public static Dictionary<string, string?> Changes(LaunchPlan plan, int localRank, IDictionary<string, string?> inherited)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(inherited);
        int rank = plan.GlobalRank(localRank);
        var changes = inherited.Keys
            .Where(name => name.StartsWith(TorchelasticPrefix, StringComparison.Ordinal))
            .ToDictionary(name => name, _ => (string?)null, StringComparer.Ordinal);

        changes[ProcessGroupVariables.Rank] = Text(rank);
        changes[ProcessGroupVariables.WorldSize] = Text(plan.WorldSize);
        changes[ProcessGroupVariables.LocalRank] = Text(localRank);
        changes[ProcessGroupVariables.LocalWorldSize] = Text(plan.ProcessesPerNode);
        changes[ProcessGroupVariables.GroupRank] = Text(plan.NodeRank);
        changes[ProcessGroupVariables.GroupWorldSize] = Text(plan.NodeCount);
        changes[ProcessGroupVariables.MasterAddress] = plan.MasterAddress;
        changes[ProcessGroupVariables.MasterPort] = Text(plan.MasterPort);
        changes[ProcessGroupVariables.Launcher] = ProcessGroupVariables.RingAttnLauncherName;
        changes[ProcessGroupVariables.JobId] = plan.JobId;

        // Without --share-gpu an inherited sharing setup (from an outer launch) would put every rank on one GPU.
        changes[ProcessGroupVariables.ShareGpu] = plan.ShareGpu ? "1" : null;
        changes[ProcessGroupVariables.Device] = plan.ShareGpu ? "0" : null;
        if (plan.ShareGpu)
        {
            // NCCL refuses two ranks of one host on one GPU; distinct host ids make each rank its own "host", so
            // NCCL neither sees the duplicate device nor uses P2P/SHM between them: it talks over sockets.
            changes[NcclHostId] = $"ringattn-{plan.JobId}-{Text(rank)}";
        }

        if (!inherited.TryGetValue(NvlsEnable, out string? nvls) || string.IsNullOrEmpty(nvls))
        {
            changes[NvlsEnable] = "0";
        }

        return changes;
    }

    /// <summary>Makes <see cref="Changes"/> in <paramref name="environment"/> (a rank's start info's, which starts as the launcher's).</summary>
    public static void Apply(LaunchPlan plan, int localRank, IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach ((string name, string? value) in Changes(plan, localRank, environment))
        {
            if (value is null)
            {
                environment.Remove(name);
            }
            else
            {
                environment[name] = value;
            }
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
