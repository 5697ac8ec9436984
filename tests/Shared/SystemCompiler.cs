using System.Diagnostics;

namespace RingAttention.Testing;

/// <summary>
/// The system C compiler and a way to run programs, shared by the test projects that check what C itself computes
/// (struct layouts) or build small native stand-ins. Linked into each of those projects as source.
/// </summary>
internal static class SystemCompiler
{
    private static readonly Lazy<string?> CompilerPath = new(() => FindOnPath("cc") ?? FindOnPath("gcc"));

    /// <summary>Null when a C compiler is available, else why a test that needs one is skipped.</summary>
    public static string? MissingReason =>
        CompilerPath.Value is null ? "no C compiler (cc or gcc) on PATH; install gcc to run this test" : null;

    /// <summary>Runs the C compiler with <paramref name="arguments"/>; fails with its output if it fails.</summary>
    public static void Compile(params string[] arguments) => RunProgram(CompilerPath.Value!, arguments);

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

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);
}
