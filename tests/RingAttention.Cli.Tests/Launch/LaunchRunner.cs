namespace RingAttention.Cli.Tests.Launch;

/// <summary>Runs <c>ringattn launch</c> in-process with a deadline, so a launcher that hangs fails its test instead of the run.</summary>
internal static class LaunchRunner
{
    /// <summary>Far above any launch here (the slowest waits a 1 s grace period), far below a CI job's patience.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task<CliResult> RunAsync(params string[] args)
    {
        Task<CliResult> run = Task.Run(() => CliRunner.Run(args), TestContext.Current.CancellationToken);
        try
        {
            return await run.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"ringattn {string.Join(' ', args)} did not finish within {Deadline.TotalSeconds} s");
            throw;
        }
    }

    /// <summary>Launches <paramref name="ranks"/> ranks of <c>/bin/sh -c script sh scriptArguments...</c> with <paramref name="options"/>.</summary>
    public static Task<CliResult> ShellAsync(int ranks, string script, string[]? options = null, params string[] scriptArguments) =>
        RunAsync(["launch", "--nproc-per-node", $"{ranks}", .. options ?? [], "--", "/bin/sh", "-c", script, "sh", .. scriptArguments]);

    /// <summary>The text of each rank's "[rank R] text" lines, in order; fails on a line without a rank prefix.</summary>
    public static Dictionary<int, List<string>> ByRank(IEnumerable<string> lines)
    {
        var byRank = new Dictionary<int, List<string>>();
        foreach (string line in lines)
        {
            System.Text.RegularExpressions.Match match = System.Text.RegularExpressions.Regex.Match(line, @"^\[rank (\d+)\] (.*)$");
            Assert.True(match.Success, $"line without a rank prefix: '{line}'");
            int rank = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (!byRank.TryGetValue(rank, out List<string>? texts))
            {
                byRank[rank] = texts = [];
            }

            texts.Add(match.Groups[2].Value);
        }

        return byRank;
    }
}
