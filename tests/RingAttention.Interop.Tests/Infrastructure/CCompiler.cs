using System.Diagnostics;

namespace RingAttention.Interop.Tests.Infrastructure;

/// <summary>The system C compiler, for the fake shim and the layout cross-check.</summary>
internal static class CCompiler
{
    private static readonly Lazy<string?> CompilerPath = new(() => Find("cc") ?? Find("gcc"));

    /// <summary>Null when <c>cc</c> is available, else why a test that needs it is skipped.</summary>
    public static string? MissingReason =>
        CompilerPath.Value is null ? "no C compiler (cc or gcc) on PATH; install gcc to run this test" : null;

    /// <summary>Folder of the sources copied beside the tests (fake shim sources and the real header).</summary>
    public static string SourceDirectory => Path.Combine(AppContext.BaseDirectory, "FakeShim");

    public static string IncludeDirectory => Path.Combine(SourceDirectory, "include");

    /// <summary>Runs <c>cc</c> with <paramref name="arguments"/>; fails with its output if it fails.</summary>
    public static void Run(params string[] arguments) => RunProgram(CompilerPath.Value!, arguments);

    /// <summary>Runs a program and returns its standard output; fails with its output if it fails.</summary>
    public static string RunProgram(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{error.Result}\n{output}");
        }

        return output;
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);
}
