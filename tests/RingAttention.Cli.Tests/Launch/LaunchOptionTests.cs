namespace RingAttention.Cli.Tests.Launch;

/// <summary>Bad launch options: one line on stderr, exit code 2, and no rank started.</summary>
public sealed class LaunchOptionTests
{
    [Theory]
    [InlineData(new[] { "--nproc-per-node", "0" }, "--nproc-per-node must be a positive integer, got 0")]
    [InlineData(new[] { "--nproc-per-node", "two" }, "--nproc-per-node must be an integer, got 'two'")]
    [InlineData(new[] { "--nproc-per-node", "2", "--nnodes", "2", "--node-rank", "2", "--master-port", "29500" }, "--node-rank must be in [0, 2) for --nnodes 2, got 2")]
    [InlineData(new[] { "--nproc-per-node", "2", "--node-rank", "-1" }, "--node-rank must be in [0, 1) for --nnodes 1, got -1")]
    [InlineData(new[] { "--nproc-per-node", "2", "--nnodes", "2", "--node-rank", "1" }, "--master-port is required with --nnodes 2: every node must use the same one")]
    [InlineData(new[] { "--nproc-per-node", "2", "--master-port", "70000" }, "--master-port must be a TCP port (1 to 65535), got 70000")]
    [InlineData(new[] { "--nproc-per-node", "2", "--master-port", "0" }, "--master-port must be a TCP port (1 to 65535), got 0")]
    [InlineData(new[] { "--nproc-per-node", "2", "--grace-period", "0" }, "--grace-period must be a finite positive number, got '0'")]
    [InlineData(new[] { "--nproc-per-node", "2", "--grace-period", "1e30" }, "--grace-period must be at most 86400 seconds (a day), got 1e30")]
    [InlineData(new[] { "--nproc-per-node", "2", "--master-addr", " " }, "--master-addr must name a host, got an empty value")]
    [InlineData(new[] { "--nproc-per-node", "2", "--job-id", "a b" }, "--job-id must be letters, digits, '.', '_' or '-', got 'a b'")]
    [InlineData(new[] { "--share-gpu" }, "Option '--nproc-per-node' is required")]
    [InlineData(new[] { "--nproc-per-node", "2147483647" }, "--nproc-per-node must be at most 1024 (one rank per GPU; no node has more), got 2147483647")]
    [InlineData(new[] { "--nproc-per-node", "99999999999" }, "--nproc-per-node 99999999999 is too large: integer options hold at most 2147483647")]
    [InlineData(new[] { "--nproc-per-node", "1024", "--nnodes", "2147483647", "--master-port", "29500" }, "--nnodes 2147483647 times --nproc-per-node 1024 is 2199023254528 ranks, more than can be numbered (at most 2147483647)")]
    [InlineData(new[] { "--nproc-per-node", "2", "--nnodes", "-99999999999" }, "--nnodes -99999999999 is too small: integer options hold at least -2147483648")]
    [InlineData(new[] { "--nproc-per-node", "2", "--node-rank", "2147483648" }, "--node-rank 2147483648 is too large: integer options hold at most 2147483647")]
    [InlineData(new[] { "--nproc-per-node", "2", "--master-port", "2147483647" }, "--master-port must be a TCP port (1 to 65535), got 2147483647")]
    [InlineData(new[] { "--nproc-per-node", "2", "--master-port", "4294967297" }, "--master-port 4294967297 is too large: integer options hold at most 2147483647")]
    public async Task Bad_options_are_one_line_errors_and_start_nothing(string[] options, string expected)
    {
        using var folder = new TempDirectory();
        string marker = folder.File("started");

        CliResult result = await LaunchRunner.RunAsync(["launch", .. options, "--", "/bin/sh", "-c", "touch \"$1\"", "sh", marker]);

        result.AssertUsageError(expected);
        Assert.False(File.Exists(marker), "a rank was started despite the bad options");
    }

    [Theory]
    [InlineData("--")]
    [InlineData("--share-gpu")]
    public async Task No_program_is_an_error(string last)
    {
        CliResult result = await LaunchRunner.RunAsync("launch", "--nproc-per-node", "2", last);

        result.AssertUsageError("no PROGRAM to launch: put it and its arguments after --");
    }

    [Fact]
    public async Task Help_says_share_gpu_is_for_testing_only()
    {
        CliResult result = await LaunchRunner.RunAsync("launch", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("FOR TESTING ONLY", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--grace-period", result.Stdout, StringComparison.Ordinal);
    }
}
