using RingAttention.Testing;

namespace RingAttention.Interop.Tests.Infrastructure;

/// <summary>The system C compiler, for the fake shim and the layout cross-check.</summary>
internal static class CCompiler
{
    /// <summary>Null when <c>cc</c> is available, else why a test that needs it is skipped.</summary>
    public static string? MissingReason => SystemCompiler.MissingReason;

    /// <summary>Folder of the sources copied beside the tests (fake shim sources and the real header).</summary>
    public static string SourceDirectory => Path.Combine(AppContext.BaseDirectory, "FakeShim");

    public static string IncludeDirectory => Path.Combine(SourceDirectory, "include");

    /// <summary>Runs <c>cc</c> with <paramref name="arguments"/>; fails with its output if it fails.</summary>
    public static void Run(params string[] arguments) => SystemCompiler.Compile(arguments);

    /// <summary>Runs a program and returns its standard output; fails with its output if it fails.</summary>
    public static string RunProgram(string program, params string[] arguments) => SystemCompiler.RunProgram(program, arguments);
}
