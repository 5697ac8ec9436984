namespace RingAttention.Interop.Tests.Infrastructure;

/// <summary>
/// Builds (once per test run) fake shims from FakeShim/fake_shim.c with the system C compiler. Each lives in a
/// folder of its own, under a file name no real library has, except <see cref="Good"/> which must be called
/// libringattn_shim.so to test folder lookups.
/// </summary>
internal static class FakeShims
{
    /// <summary>The soname of the dependency that <see cref="NeedsMissingDependency"/> links and that is then removed.</summary>
    public const string MissingDependencySoname = "libcudnn_fake_missing.so.9";

    private static readonly Lazy<string> GoodShim = new(() => BuildShim("good", "libringattn_shim.so"));
    private static readonly Lazy<string> Abi999Shim = new(() => BuildShim("abi999", "libringattn_fake_abi999.so", "-DFAKE_ABI=999"));
    private static readonly Lazy<string> DependentShim = new(BuildShimWithMissingDependency);
    private static readonly Lazy<string> NotAShimLibrary = new(BuildNotAShim);

    /// <summary>A shim that reports the right ABI and no CUDA device.</summary>
    public static string Good => GoodShim.Value;

    /// <summary>A shim that reports ABI version 999.</summary>
    public static string Abi999 => Abi999Shim.Value;

    /// <summary>A shim whose DT_NEEDED names <see cref="MissingDependencySoname"/>, which no longer exists.</summary>
    public static string NeedsMissingDependency => DependentShim.Value;

    /// <summary>A shared library without ringattn_abi_version.</summary>
    public static string NotAShim => NotAShimLibrary.Value;

    private static string NewDirectory(string name) => Directory.CreateTempSubdirectory($"ringattn-fake-{name}-").FullName;

    private static string Source(string file) => Path.Combine(CCompiler.SourceDirectory, file);

    private static string BuildShim(string name, string fileName, params string[] defines)
    {
        string output = Path.Combine(NewDirectory(name), fileName);
        CCompiler.Run([.. CommonFlags(), .. defines, "-o", output, Source("fake_shim.c")]);
        return output;
    }

    private static string BuildShimWithMissingDependency()
    {
        string directory = NewDirectory("missing-dependency");
        string dependencyDirectory = Path.Combine(directory, "deps");
        Directory.CreateDirectory(dependencyDirectory);
        string dependency = Path.Combine(dependencyDirectory, MissingDependencySoname);
        CCompiler.Run([.. CommonFlags(), $"-Wl,-soname,{MissingDependencySoname}", "-o", dependency, Source("fake_dependency.c")]);

        string output = Path.Combine(directory, "libringattn_shim_needs_dependency.so");
        CCompiler.Run([.. CommonFlags(), "-DFAKE_NEEDS_DEPENDENCY", "-Wl,--no-as-needed", "-o", output, Source("fake_shim.c"), dependency]);

        // No RUNPATH points at it, and now it is gone: loading the shim must fail on this dependency.
        Directory.Delete(dependencyDirectory, recursive: true);
        return output;
    }

    private static string BuildNotAShim()
    {
        string output = Path.Combine(NewDirectory("not-a-shim"), "libnot_a_ringattn_shim.so");
        CCompiler.Run([.. CommonFlags(), "-o", output, Source("fake_dependency.c")]);
        return output;
    }

    private static string[] CommonFlags() => ["-std=gnu99", "-shared", "-fPIC", "-Wall", "-Werror", "-I", CCompiler.IncludeDirectory];
}
