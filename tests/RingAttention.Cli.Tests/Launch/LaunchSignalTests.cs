using RingAttention.Cli.Launch;

namespace RingAttention.Cli.Tests.Launch;

/// <summary>A signal to the launcher reaches every rank, and the launcher then stops them and exits 128 + the signal.</summary>
public sealed class LaunchSignalTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(Signals.Terminate, "TERM", "SIGTERM")]
    [InlineData(Signals.Hangup, "HUP", "SIGHUP")]
    [InlineData(Signals.Interrupt, "INT", "SIGINT")]
    public async Task The_signal_is_forwarded_to_every_rank_and_the_launcher_exits_128_plus_it(int signal, string trapName, string name)
    {
        // The rank waits in `wait`, which a trapped signal interrupts (a foreground sleep would delay the trap);
        // the sleep gets its own output so it cannot hold the rank's pipe open, and the trap ends it.
        string script = $"trap 'echo got-{trapName}; kill $!; exit 5' {trapName}; sleep 30 >/dev/null 2>&1 & echo ready; wait";
        using var launcher = new LauncherProcess("--nproc-per-node", "2", "--grace-period", "20", "--", "/bin/sh", "-c", script);
        await launcher.WaitForLinesAsync(["[rank 0] ready", "[rank 1] ready"], Deadline);

        Assert.Equal(0, NativeMethods.Kill(launcher.ProcessId, signal));
        int exitCode = await launcher.WaitForExitAsync(Deadline);

        Assert.Equal(128 + signal, exitCode);
        Assert.Contains($"[rank 0] got-{trapName}", launcher.StdoutLines);
        Assert.Contains($"[rank 1] got-{trapName}", launcher.StdoutLines);
        Assert.Equal($"ringattn launch: received {name}; forwarded it to ranks 0, 1", launcher.StderrLines[^1]);
        Assert.Matches($@"^ringattn launch: rank 0 \(pid \d+\): exited with code 5 after the launcher sent {name}$", launcher.StderrLines[0]);
    }
}
