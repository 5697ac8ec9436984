namespace RingAttention.Cli.Running.Files;

/// <summary>
/// The path a file really has once every symbolic link on the way is followed (like realpath(3), which .NET lacks), so
/// that "o.npy", "./o.npy" and a link to it compare equal. Hard links are not detected: they have no path to compare.
/// </summary>
internal static class CanonicalPath
{
    /// <summary>Linux's SYMLOOP_MAX: a chain of links longer than this is a loop.</summary>
    private const int MaxLinkDepth = 40;

    /// <summary>How paths compare on this system's usual file systems.</summary>
    public static StringComparer Comparer { get; } = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// <paramref name="path"/> made absolute with every link among its components resolved. Components that do not
    /// exist (an output not yet written) are kept as they are; a link that cannot be resolved (a loop, no permission)
    /// is kept as a link.
    /// </summary>
    public static string Resolve(string path) => Resolve(Path.GetFullPath(path), MaxLinkDepth);

    private static string Resolve(string fullPath, int depth)
    {
        string root = Path.GetPathRoot(fullPath) ?? string.Empty;
        string current = root;
        foreach (string part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is null || depth == 0)
            {
                continue;
            }

            try
            {
                // The final target's own directories may be links too: resolve it again, one level deeper.
                if (info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                {
                    current = Resolve(Path.GetFullPath(target.FullName), depth - 1);
                }
            }
            catch (IOException)
            {
                // A loop of links: leave this one unresolved; the file cannot be opened anyway.
            }
            catch (UnauthorizedAccessException)
            {
                // A link we may not read: compare it as it is.
            }
        }

        return current;
    }
}
