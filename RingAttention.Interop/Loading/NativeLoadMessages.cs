using System.Text;
using System.Text.RegularExpressions;

namespace RingAttention.Interop;

/// <summary>Turns load failures into a message that says what is missing and how to fix it.</summary>
internal static partial class NativeLoadMessages
{
    public const string FileDoesNotExist = "file does not exist";

    // Libraries the shim links, by soname prefix, with the component a user has to install.
    private static readonly (string Prefix, string Component)[] KnownDependencies =
    [
        ("libcudnn", "cuDNN 9"),
        ("libnccl", "NCCL 2"),
        ("libcudart", "the CUDA runtime"),
        ("libcublas", "cuBLAS (CUDA toolkit)"),
        ("libnvrtc", "NVRTC (CUDA toolkit)"),
        ("libcuda.so", "the NVIDIA driver"),
        ("libstdc++", "the C++ runtime (libstdc++)"),
    ];

    /// <summary>
    /// Finds the library glibc could not open while loading another one: dlerror reads
    /// "libcudnn.so.9: cannot open shared object file: No such file or directory".
    /// </summary>
    public static string? FindMissingDependency(string libraryFileName, string loaderMessage)
    {
        foreach (Match match in MissingObjectPattern().Matches(loaderMessage))
        {
            string name = match.Groups["name"].Value;
            string fileName = Path.GetFileName(name);
            if (!fileName.Equals(libraryFileName, StringComparison.Ordinal) && !name.Contains('/', StringComparison.Ordinal))
            {
                return fileName;
            }
        }

        return null;
    }

    /// <summary>
    /// The loader's own text (dlerror on glibc) from the runtime's message, which wraps it in advice about strace and
    /// LD_DEBUG that would otherwise repeat for every path tried. Messages in another shape are kept whole.
    /// </summary>
    public static string LoaderText(string runtimeMessage)
    {
        const string Marker = "LD_DEBUG environment variable:";
        int at = runtimeMessage.IndexOf(Marker, StringComparison.Ordinal);
        string text = at < 0 ? runtimeMessage : runtimeMessage[(at + Marker.Length)..];
        return OneLine(text);
    }

    /// <summary>The component that provides <paramref name="soname"/>, e.g. "cuDNN 9" for libcudnn.so.9.</summary>
    public static string? ComponentOf(string soname) =>
        KnownDependencies.FirstOrDefault(d => soname.StartsWith(d.Prefix, StringComparison.Ordinal)).Component;

    public static string Describe(string libraryName, IReadOnlyList<NativeLoadAttempt> attempts, string? missingDependency)
    {
        var text = new StringBuilder();
        if (missingDependency is not null)
        {
            string component = ComponentOf(missingDependency) is { } c ? $" ({c})" : string.Empty;
            text.Append(CultureInfoInvariant($"{libraryName} was found but could not be loaded because {missingDependency}{component} could not be found. "))
                .Append(CultureInfoInvariant($"Install it, or add the folder that holds {missingDependency} to LD_LIBRARY_PATH before starting the process."));
        }
        else
        {
            text.Append(CultureInfoInvariant($"Could not load the RingAttention native library {libraryName}. "))
                .Append(CultureInfoInvariant($"Set {ShimLibrary.PathVariable} to the library file or its folder, or ship it in runtimes/linux-x64/native beside the application."));
        }

        text.Append('\n').Append("Tried:");
        foreach (NativeLoadAttempt attempt in attempts)
        {
            text.Append("\n  ").Append(attempt.Location).Append(": ").Append(OneLine(attempt.Failure ?? "loaded"));
        }

        return text.ToString();
    }

    // The runtime's DllNotFoundException text wraps dlerror in advice about strace and LD_DEBUG; keep all of it on one line.
    private static string OneLine(string message) => WhitespacePattern().Replace(message, " ").Trim();

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    [GeneratedRegex(@"(?<name>[^\s:]+\.so[\w.\-]*): cannot open shared object file")]
    private static partial Regex MissingObjectPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
