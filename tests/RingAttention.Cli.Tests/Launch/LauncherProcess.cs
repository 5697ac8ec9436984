using System.Collections.Concurrent;
using System.Diagnostics;

namespace RingAttention.Cli.Tests.Launch;

/// <summary>
/// <c>dotnet ringattn.dll launch ...</c> as a real child process, for what only a separate process can show:
/// signals sent to the launcher. Killed with its whole tree on dispose, so no test leaves it behind.
/// </summary>
internal sealed class LauncherProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    public LauncherProcess(params string[] launchArguments)
    {
        // The SDK tells the processes it starts where its dotnet is; PATH is the fallback outside `dotnet test`.
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ringattn.dll"));
        info.ArgumentList.Add("launch");
        foreach (string argument in launchArguments)
        {
            info.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Add(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_stderr, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;

    public string[] StdoutLines => [.. _stdout];

    public string[] StderrLines => [.. _stderr];

    /// <summary>Waits until stdout holds every line of <paramref name="expected"/>; fails at the deadline.</summary>
    public async Task WaitForLinesAsync(IReadOnlyCollection<string> expected, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (!expected.All(_stdout.Contains))
        {
            Assert.True(clock.Elapsed < deadline, $"no '{string.Join("', '", expected)}' within {deadline.TotalSeconds} s; stdout: {string.Join(" | ", _stdout)}; stderr: {string.Join(" | ", _stderr)}");
            Assert.False(_process.HasExited, $"the launcher ended early; stderr: {string.Join(" | ", _stderr)}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits for the launcher to end and for its output to be read; returns its exit code; fails at the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        try
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(deadline, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the launcher did not end within {deadline.TotalSeconds} s; stderr: {string.Join(" | ", _stderr)}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static void Add(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
        }
    }
}
