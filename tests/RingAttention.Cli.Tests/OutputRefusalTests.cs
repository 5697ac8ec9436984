namespace RingAttention.Cli.Tests;

/// <summary>
/// Bad output options are refused before any input is read, with one line naming the options and paths, and leave
/// every file as it was: no output, no temporary file, previous outputs untouched.
/// </summary>
public sealed class OutputRefusalTests
{
    private static readonly int[] Q = RunScenario.SmallQuery;
    private static readonly int[] Kv = RunScenario.SmallKeyValue;

    [Theory]
    [InlineData("--out", "q.npy", "--out {dir}/./q.npy is the same file as --q {dir}/q.npy")]
    [InlineData("--lse", "k.npy", "--lse {dir}/./k.npy is the same file as --k {dir}/k.npy")]
    [InlineData("--dq", "do.npy", "--dq {dir}/./do.npy is the same file as --do {dir}/do.npy")]
    [InlineData("--lse", "o.npy", "--lse {dir}/./o.npy is the same file as --out {dir}/o.npy")]
    [InlineData("--dv", "dk.npy", "--dv {dir}/./dk.npy is the same file as --dk {dir}/dk.npy")]
    public void Output_that_is_an_input_or_another_output_is_refused(string option, string otherFile, string expected)
    {
        using var scenario = new RunScenario(Q, Kv);
        string sameFile = scenario.File(Path.Combine(".", otherFile));
        DirectorySnapshot before = DirectorySnapshot.Of(scenario.Directory);

        CliResult result = CliRunner.Run([.. RunScenario.With(scenario.BackwardArgs(2, "none", "none"), option, sameFile)]);

        result.AssertUsageError(expected.Replace("{dir}", scenario.Directory, StringComparison.Ordinal));
        before.AssertUnchanged();
    }

    [Fact]
    public void Output_reaching_an_input_through_a_link_is_refused()
    {
        using var scenario = new RunScenario(Q, Kv);
        string linkedFolder = scenario.File("linked");
        Directory.CreateSymbolicLink(linkedFolder, scenario.Directory);
        string fileLink = scenario.File("v-link.npy");
        File.CreateSymbolicLink(fileLink, scenario.ValuePath);
        DirectorySnapshot before = DirectorySnapshot.Of(scenario.Directory);

        CliResult throughFolder = CliRunner.Run([.. RunScenario.With(scenario.ForwardArgs(2, "none", "none"), "--out", Path.Combine(linkedFolder, "q.npy"))]);
        CliResult throughFile = CliRunner.Run([.. RunScenario.With(scenario.ForwardArgs(2, "none", "none"), "--lse", fileLink)]);

        throughFolder.AssertUsageError($"--out {linkedFolder}/q.npy is the same file as --q {scenario.QueryPath}");
        throughFile.AssertUsageError($"--lse {fileLink} is the same file as --v {scenario.ValuePath}");
        before.AssertUnchanged();
    }

    [Fact]
    public void Output_that_is_a_directory_is_refused()
    {
        using var scenario = new RunScenario(Q, Kv);
        string folder = scenario.File("results");
        Directory.CreateDirectory(folder);
        DirectorySnapshot before = DirectorySnapshot.Of(scenario.Directory);

        CliResult result = CliRunner.Run([.. RunScenario.With(scenario.ForwardArgs(2, "none", "none"), "--lse", folder)]);

        result.AssertUsageError($"--lse {folder} is a directory; name a file in it");
        before.AssertUnchanged();
    }

    [Fact]
    public void Output_in_a_missing_directory_is_refused()
    {
        using var scenario = new RunScenario(Q, Kv);
        string missing = scenario.File("no/such/dir/dq.npy");
        DirectorySnapshot before = DirectorySnapshot.Of(scenario.Directory);

        CliResult result = CliRunner.Run([.. RunScenario.With(scenario.BackwardArgs(2, "none", "none"), "--dq", missing)]);

        result.AssertUsageError($"--dq {missing}: the directory {scenario.File("no/such/dir")} does not exist");
        before.AssertUnchanged();
    }

    [Fact]
    public void Output_in_an_unwritable_directory_is_refused_and_the_other_outputs_left_alone()
    {
        // /proc refuses new files even to root, whom file modes do not stop.
        Assert.SkipUnless(OperatingSystem.IsLinux(), "needs Linux's /proc as a directory nobody can write in");
        using var scenario = new RunScenario(Q, Kv);
        DirectorySnapshot before = DirectorySnapshot.Of(scenario.Directory);

        CliResult result = CliRunner.Run([.. RunScenario.With(scenario.ForwardArgs(2, "none", "none"), "--lse", "/proc/lse.npy")]);

        result.AssertUsageError("--lse /proc/lse.npy: cannot write in /proc (");
        before.AssertUnchanged();
        Assert.False(File.Exists("/proc/lse.npy"));
    }

    [Fact]
    public void A_failure_after_the_checks_leaves_previous_outputs_untouched_and_no_temporary_files()
    {
        using var scenario = new RunScenario(Q, Kv);
        File.WriteAllText(scenario.OutputPath, "previous O");
        File.WriteAllText(scenario.LsePath, "previous LSE");
        DirectorySnapshot before = DirectorySnapshot.Of(scenario.Directory);

        // Outputs are staged before the shapes are checked: a ring that does not divide S fails after staging.
        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(3, "none", "none")]);

        result.AssertUsageError("SequenceLength (16) must be divisible by RingSize = 3.");
        before.AssertUnchanged();
    }

    [Fact]
    public void A_successful_run_replaces_previous_outputs_and_leaves_no_temporary_files()
    {
        using var scenario = new RunScenario(Q, Kv);
        File.WriteAllText(scenario.OutputPath, "previous O");
        string[] before = Directory.GetFiles(scenario.Directory);

        CliResult result = CliRunner.Run([.. scenario.ForwardArgs(2, "none", "none")]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Q, Npy.NpyReader.Read(scenario.OutputPath).Shape);
        Assert.Equal([.. before.Append(scenario.LsePath).Order(StringComparer.Ordinal)], Directory.GetFiles(scenario.Directory).Order(StringComparer.Ordinal));
    }
}
