using System.Runtime.InteropServices;

namespace RingAttention.Interop;

/// <summary>
/// Where to look for a native library, and the loading itself: every candidate is tried in order with
/// <see cref="NativeLibrary.Load(string)"/> (not TryLoad, whose failure carries no text) so that each failure
/// keeps the loader's own message. Holds no global state, so tests can run it against any folder.
/// </summary>
internal sealed class NativeLibraryProbe
{
    private readonly string _fileName;
    private readonly string? _overridePath;
    private readonly IReadOnlyList<string> _searchDirectories;

    /// <param name="fileName">The library's file name, e.g. "libringattn_shim.so".</param>
    /// <param name="overridePath">
    /// The value of the override variable: a file, or a folder holding <paramref name="fileName"/>. When set, it is
    /// the only place tried: a user who points at a library must get that one or an error, never another copy.
    /// </param>
    /// <param name="searchDirectories">Folders tried in order when there is no override.</param>
    public NativeLibraryProbe(string fileName, string? overridePath, IReadOnlyList<string> searchDirectories)
    {
        _fileName = fileName;
        _overridePath = string.IsNullOrWhiteSpace(overridePath) ? null : overridePath;
        _searchDirectories = searchDirectories;
    }

    /// <summary>The locations that will be tried, in order; a bare file name means the system's search (LD_LIBRARY_PATH, ld.so cache).</summary>
    public IReadOnlyList<string> Candidates()
    {
        if (_overridePath is not null)
        {
            return [Directory.Exists(_overridePath) ? Path.Combine(_overridePath, _fileName) : _overridePath];
        }

        var candidates = _searchDirectories.Select(d => Path.GetFullPath(Path.Combine(d, _fileName)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        candidates.Add(_fileName);
        return candidates;
    }

    /// <summary>Loads the first candidate that loads.</summary>
    /// <returns>The handle and where it came from.</returns>
    /// <exception cref="NativeLibraryLoadException">No candidate loaded; lists them all.</exception>
    public (nint Handle, string Path) Load()
    {
        var attempts = new List<NativeLoadAttempt>();
        string? missingDependency = null;
        foreach (string candidate in Candidates())
        {
            bool isBareName = !candidate.Contains('/', StringComparison.Ordinal);
            if (!isBareName && !File.Exists(candidate))
            {
                attempts.Add(new NativeLoadAttempt(candidate, NativeLoadMessages.FileDoesNotExist));
                continue;
            }

            try
            {
                return (NativeLibrary.Load(candidate), candidate);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                attempts.Add(new NativeLoadAttempt(candidate, NativeLoadMessages.LoaderText(e.Message)));
                missingDependency ??= NativeLoadMessages.FindMissingDependency(_fileName, e.Message);
            }
        }

        throw new NativeLibraryLoadException(_fileName, attempts, missingDependency);
    }
}
