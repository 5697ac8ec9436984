using RingAttention.Testing;

namespace RingAttention.BindingsGen.Tests;

/// <summary>The system C compiler, used to check layouts against what C itself computes.</summary>
internal static class CCompiler
{
    /// <summary>Null when a C compiler is available, else why the test must be skipped.</summary>
    public static string? MissingReason => SystemCompiler.MissingReason;

    /// <summary>Compiles and runs a C program, returning its standard output.</summary>
    public static string CompileAndRun(string source, params string[] includeDirectories)
    {
        string directory = Directory.CreateTempSubdirectory("bindings-gen-cc-").FullName;
        string sourcePath = Path.Combine(directory, "layout.c");
        string exePath = Path.Combine(directory, "layout");
        File.WriteAllText(sourcePath, source);
        SystemCompiler.Compile(["-std=c99", "-Wall", "-Werror", "-o", exePath, sourcePath, .. includeDirectories.Select(d => "-I" + d)]);
        return SystemCompiler.RunProgram(exePath);
    }
}
