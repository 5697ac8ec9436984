using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace RingAttention.Tests.Distributed.Coordination;

/// <summary>A rank in a process of its own (tests/CoordinatorChild), which a test can kill as a launcher or the OOM killer would.</summary>
internal sealed class ChildRank : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];

    private ChildRank(Process process)
    {
        _process = process;

        // A thread of its own, not the thread pool: a busy pool must not make a line look late.
        new Thread(() =>
        {
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                _lines.Add(line);
            }

            _lines.CompleteAdding();
        })
        { IsBackground = true, Name = "child-rank-stdout" }.Start();
    }

    public static ChildRank Start(int rank, TestJob job)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "CoordinatorChild"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[
            rank.ToString(CultureInfo.InvariantCulture), job.WorldSize.ToString(CultureInfo.InvariantCulture), job.Port.ToString(CultureInfo.InvariantCulture),
            TestJob.JobId, TestJob.Fingerprint, Convert.ToHexString(job.Payload)])
        {
            start.ArgumentList.Add(argument);
        }

        return new ChildRank(Process.Start(start) ?? throw new InvalidOperationException("CoordinatorChild did not start."));
    }

    /// <summary>The child's next line of output; fails the test if none comes within <paramref name="bound"/>.</summary>
    public string NextLine(TimeSpan bound)
    {
        Assert.True(_lines.TryTake(out string? line, bound), $"the child rank printed nothing within {bound}");
        return line;
    }

    /// <summary>SIGKILL: no leave, no cleanup; the kernel closes the process's sockets.</summary>
    public void Kill()
    {
        _process.Kill();
        Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(5)), "the killed child rank did not exit");
    }

    /// <summary>Asks the child to leave (stdin closes) and gives it a moment; kills it if it does not go.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(3)))
            {
                _process.Kill();
                _ = _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }

        _process.Dispose();
        _lines.Dispose();
    }
}
