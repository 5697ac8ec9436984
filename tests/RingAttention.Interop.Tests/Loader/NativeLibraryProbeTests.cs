using RingAttention.Interop.Tests.Infrastructure;

namespace RingAttention.Interop.Tests.Loader;

/// <summary>Finding and loading the shim, on fake shims built with cc: no GPU or CUDA needed.</summary>
public sealed class NativeLibraryProbeTests
{
    private const string UniqueMissingName = "libringattn_shim_that_does_not_exist.so";

    [Fact]
    public void A_missing_library_lists_every_path_tried_with_the_loader_message()
    {
        string appFolder = Directory.CreateTempSubdirectory("ringattn-app-").FullName;
        string nativeFolder = Path.Combine(appFolder, "runtimes", "linux-x64", "native");
        var probe = new NativeLibraryProbe(UniqueMissingName, overridePath: null, [nativeFolder, appFolder]);

        var error = Assert.Throws<NativeLibraryLoadException>(() => probe.Load());

        Assert.Equal(UniqueMissingName, error.LibraryName);
        Assert.Null(error.MissingDependency);
        Assert.Equal(
            [Path.Combine(nativeFolder, UniqueMissingName), Path.Combine(appFolder, UniqueMissingName), UniqueMissingName],
            error.Attempts.Select(a => a.Location));
        Assert.Equal("file does not exist", error.Attempts[0].Failure);
        Assert.Equal("file does not exist", error.Attempts[1].Failure);
        Assert.Contains($"{UniqueMissingName}: cannot open shared object file", error.Attempts[2].Failure, StringComparison.Ordinal);

        Assert.StartsWith($"Could not load the RingAttention native library {UniqueMissingName}. Set RINGATTN_NATIVE_PATH", error.Message, StringComparison.Ordinal);
        Assert.Contains($"\n  {Path.Combine(nativeFolder, UniqueMissingName)}: file does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains($"\n  {Path.Combine(appFolder, UniqueMissingName)}: file does not exist", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<DllNotFoundException>(error);
    }

    [Fact]
    public void The_override_may_name_the_file_itself()
    {
        Requires.CCompiler();
        var probe = new NativeLibraryProbe(ShimLibrary.FileName, FakeShims.Good, ["/should/not/be/tried"]);

        Assert.Equal([FakeShims.Good], probe.Candidates());
        (nint handle, string path) = probe.Load();
        Assert.NotEqual(IntPtr.Zero, handle);
        Assert.Equal(FakeShims.Good, path);
    }

    [Fact]
    public void The_override_may_name_the_folder_that_holds_the_library()
    {
        Requires.CCompiler();
        string folder = Path.GetDirectoryName(FakeShims.Good)!;
        var probe = new NativeLibraryProbe(ShimLibrary.FileName, folder, ["/should/not/be/tried"]);

        Assert.Equal([Path.Combine(folder, "libringattn_shim.so")], probe.Candidates());
        Assert.Equal(FakeShims.Good, probe.Load().Path);
    }

    [Fact]
    public void An_override_that_points_at_nothing_fails_without_trying_other_places()
    {
        string missing = Path.Combine(Directory.CreateTempSubdirectory("ringattn-empty-").FullName, "libringattn_shim.so");
        var probe = new NativeLibraryProbe(ShimLibrary.FileName, missing, [AppContext.BaseDirectory]);

        var error = Assert.Throws<NativeLibraryLoadException>(() => probe.Load());
        var attempt = Assert.Single(error.Attempts);
        Assert.Equal(missing, attempt.Location);
        Assert.Equal("file does not exist", attempt.Failure);
    }

    [Fact]
    public void A_missing_dependency_is_named_with_the_component_that_provides_it()
    {
        Requires.CCompiler();
        var probe = new NativeLibraryProbe(ShimLibrary.FileName, FakeShims.NeedsMissingDependency, []);

        var error = Assert.Throws<NativeLibraryLoadException>(() => probe.Load());

        Assert.Equal(FakeShims.MissingDependencySoname, error.MissingDependency);
        var attempt = Assert.Single(error.Attempts);
        Assert.Equal(FakeShims.NeedsMissingDependency, attempt.Location);
        Assert.Contains($"{FakeShims.MissingDependencySoname}: cannot open shared object file", attempt.Failure, StringComparison.Ordinal);
        Assert.StartsWith(
            $"libringattn_shim.so was found but could not be loaded because {FakeShims.MissingDependencySoname} (cuDNN 9) could not be found. " +
            $"Install it, or add the folder that holds {FakeShims.MissingDependencySoname} to LD_LIBRARY_PATH",
            error.Message,
            StringComparison.Ordinal);
        Assert.Contains(FakeShims.NeedsMissingDependency, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_process_probe_reads_RINGATTN_NATIVE_PATH()
    {
        // Reads the variable as the test process got it (never set here: other tests load the real shim through it).
        string? configured = Environment.GetEnvironmentVariable(ShimLibrary.PathVariable);
        IReadOnlyList<string> candidates = ShimLibrary.CreateProbe().Candidates();

        if (!string.IsNullOrWhiteSpace(configured))
        {
            string expected = Directory.Exists(configured) ? Path.Combine(configured, ShimLibrary.FileName) : configured;
            Assert.Equal([expected], candidates);
        }
        else
        {
            string app = AppContext.BaseDirectory;
            Assert.Equal(Path.GetFullPath(Path.Combine(app, "runtimes/linux-x64/native", ShimLibrary.FileName)), candidates[0]);
            Assert.Equal(Path.GetFullPath(Path.Combine(app, ShimLibrary.FileName)), candidates[1]);
            Assert.Equal(ShimLibrary.FileName, candidates[^1]);
        }
    }
}
