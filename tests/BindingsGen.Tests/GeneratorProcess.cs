using System.Diagnostics;

namespace RingAttention.BindingsGen.Tests;

/// <summary>Runs the built bindings-gen executable as CI does, to test its exit codes and output.</summary>
internal static class GeneratorProcess
{
    public static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        // The tool's dll, deps.json and runtimeconfig.json are copied beside the tests by the project reference.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "bindings-gen.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
