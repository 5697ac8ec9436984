namespace RingAttention.Cli.Tests;

/// <summary>What one in-process ringattn invocation printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stderr's lines, without the empty one after the final newline.</summary>
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Asserts the user-error contract: exit code 2, nothing on stdout, exactly one prefixed line on stderr containing <paramref name="fragment"/>.</summary>
    public void AssertUsageError(string fragment)
    {
        Assert.True(ExitCode == 2, $"exit code {ExitCode}, stderr: {Stderr}");
        Assert.Equal(string.Empty, Stdout);
        string line = Assert.Single(StderrLines);
        Assert.StartsWith("ringattn: error: ", line, StringComparison.Ordinal);
        Assert.Contains(fragment, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Stderr, StringComparison.Ordinal);
    }
}

internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = CliApp.Run(args, stdout, stderr);
        return new CliResult(exitCode, stdout.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), stderr.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
