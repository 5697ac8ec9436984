using System.Diagnostics;

namespace RingAttention.Interop.Tests.Infrastructure;

/// <summary>
/// Runs one test of this assembly in a fresh process with a given environment. The shim is loaded once per
/// process, so tests of what happens at first load (which library RINGATTN_NATIVE_PATH picks, the ABI check,
/// the resolver) need a process of their own.
/// </summary>
internal static class ChildProcess
{
    public const string ScenarioVariable = "RINGATTN_INTEROP_TEST_SCENARIO";

    /// <summary>The scenario this process was started for, or null in a normal test run.</summary>
    public static string? Scenario => Environment.GetEnvironmentVariable(ScenarioVariable);

    /// <summary>Runs <paramref name="testMethod"/> (fully qualified) in a child with the environment given, and returns its output.</summary>
    public static (int ExitCode, string Output) RunTest(string testMethod, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        start.ArgumentList.Add("-method");
        start.ArgumentList.Add(testMethod);
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }
}
