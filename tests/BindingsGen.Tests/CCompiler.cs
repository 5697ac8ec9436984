using System.Diagnostics;

namespace RingAttention.BindingsGen.Tests;

/// <summary>The system C compiler (<c>cc</c>), used to check layouts against what C itself computes.</summary>
internal static class CCompiler
{
    private static readonly Lazy<string?> Path = new(() => Find("cc") ?? Find("gcc"));

    /// <summary>Null when a C compiler is available, else why the test must be skipped.</summary>
    public static string? MissingReason => Path.Value is null ? "no C compiler (cc or gcc) on PATH; install gcc to run the layout cross-check" : null;

    /// <summary>Compiles and runs a C program, returning its standard output.</summary>
    public static string CompileAndRun(string source, params string[] includeDirectories)
    {
        string directory = Directory.CreateTempSubdirectory("bindings-gen-cc-").FullName;
        string sourcePath = System.IO.Path.Combine(directory, "layout.c");
        string exePath = System.IO.Path.Combine(directory, "layout");
        File.WriteAllText(sourcePath, source);

        var arguments = new List<string> { "-std=c99", "-Wall", "-Werror", "-o", exePath, sourcePath };
        arguments.AddRange(includeDirectories.Select(d => "-I" + d));
        Run(Path.Value!, arguments);
        return Run(exePath, []);
    }

    private static string Run(string program, IEnumerable<string> arguments)
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
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}:\n{error.Result}\n{output}");
        }

        return output;
    }

    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => System.IO.Path.Combine(d, name))
            .FirstOrDefault(File.Exists);
}
