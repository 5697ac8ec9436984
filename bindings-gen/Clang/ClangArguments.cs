using System.Diagnostics;

namespace RingAttention.BindingsGen.Clang;

/// <summary>
/// The command line handed to libclang. The NuGet libclang ships without clang's resource headers (stddef.h,
/// stdbool.h, stdint.h ...), so the compiler's own include folder is added: gcc's (<c>gcc -print-file-name=include</c>),
/// or a system clang's resource dir when gcc is missing. The target is pinned so layouts do not depend on the host.
/// </summary>
internal static class ClangArguments
{
    public const string Target = "x86_64-pc-linux-gnu";

    private static readonly Lazy<string?> CompilerIncludeDirectory = new(FindCompilerIncludeDirectory);

    public static IReadOnlyList<string> Build(IEnumerable<string> extraArguments)
    {
        var arguments = new List<string> { "-x", "c", "-std=c99", $"--target={Target}", "-fparse-all-comments", "-Wall" };
        if (CompilerIncludeDirectory.Value is { } include)
        {
            arguments.Add("-isystem");
            arguments.Add(include);
        }

        arguments.AddRange(extraArguments);
        return arguments;
    }

    private static string? FindCompilerIncludeDirectory()
    {
        foreach (string compiler in new[] { "gcc", "cc" })
        {
            string? path = Run(compiler, "-print-file-name=include");
            if (path is not null && Path.IsPathRooted(path) && File.Exists(Path.Combine(path, "stddef.h")))
            {
                return path;
            }
        }

        // Fall back to an installed clang's resource headers.
        foreach (string clang in new[] { "clang" })
        {
            string? resourceDirectory = Run(clang, "-print-resource-dir");
            if (resourceDirectory is not null && File.Exists(Path.Combine(resourceDirectory, "include", "stddef.h")))
            {
                return Path.Combine(resourceDirectory, "include");
            }
        }

        return null;
    }

    private static string? Run(string program, string argument)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, argument)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}
