namespace RingAttention.BindingsGen.Tests;

/// <summary>The real shim header: the checked-in bindings must be what it generates.</summary>
public sealed class ShimHeaderTests
{
    [Fact]
    public void Checked_in_bindings_match_the_shim_header()
    {
        Assert.SkipUnless(File.Exists(RepositoryPaths.ShimHeader), $"{RepositoryPaths.ShimHeader} does not exist yet");

        var result = GeneratorProcess.Run("--config", RepositoryPaths.ShimConfig, "--check");
        Assert.True(result.ExitCode == 0, result.Error);
    }

    [Fact]
    public void Shim_header_bindings_take_SafeHandles_and_keep_status_codes_as_int()
    {
        Assert.SkipUnless(File.Exists(RepositoryPaths.ShimHeader), $"{RepositoryPaths.ShimHeader} does not exist yet");

        GeneratorConfig config = GeneratorConfig.Load(RepositoryPaths.ShimConfig);
        var files = Generator.Generate(config.Header, config.ToOptions(), config.ClangArguments);
        var methods = files.Single(f => f.FileName == "NativeMethods.g.cs").Content;
        Assert.Contains("internal static partial int ringattn_context_create(int device, out SafeContextHandle @out);", methods, StringComparison.Ordinal);
        Assert.Contains("internal static partial int ringattn_context_destroy(nint ctx);", methods, StringComparison.Ordinal);
        Assert.Contains("internal static partial byte* ringattn_last_error();", methods, StringComparison.Ordinal);
        Assert.Contains("internal static partial uint ringattn_abi_version();", methods, StringComparison.Ordinal);
        var constants = files.Single(f => f.FileName == "Constants.g.cs").Content;
        Assert.Contains("internal const int RINGATTN_STATUS_OK = 0;", constants, StringComparison.Ordinal);
        var structs = files.Single(f => f.FileName == "Structs.g.cs").Content;
        Assert.Contains("public fixed byte bytes[128];", structs, StringComparison.Ordinal);
    }
}
