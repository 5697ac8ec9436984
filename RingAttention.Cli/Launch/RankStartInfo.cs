using System.Diagnostics;
using System.Text;

namespace RingAttention.Cli.Launch;

/// <summary>How one rank's process is started: the program directly (no shell), its output redirected, its environment the launcher's plus <see cref="RankEnvironment"/>.</summary>
internal static class RankStartInfo
{
    /// <summary>The start info of local rank <paramref name="localRank"/>.</summary>
    public static ProcessStartInfo Create(LaunchPlan plan, int localRank)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var info = new ProcessStartInfo(plan.Program)
        {
            UseShellExecute = false,

            // stdin stays the launcher's, as under torchrun; the output is read and prefixed line by line.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in plan.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        RankEnvironment.Apply(plan, localRank, info.Environment);
        return info;
    }
}
