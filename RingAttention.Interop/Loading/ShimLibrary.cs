using System.Reflection;
using System.Runtime.InteropServices;

namespace RingAttention.Interop;

/// <summary>
/// Finds, loads and ABI-checks libringattn_shim.so once per process, and answers the runtime's requests for
/// <see cref="NativeMethods.LibraryName"/> from this assembly's LibraryImport stubs.
/// </summary>
/// <remarks>
/// Search order: the file or folder in <c>RINGATTN_NATIVE_PATH</c> (only that, when set); else
/// <c>runtimes/linux-x64/native</c> under the application folder (where NuGet's native assets land without a
/// RID), the application folder itself (published apps), the same two beside this assembly, and last the
/// system's library search. A failure is remembered: every later use throws the same explanation.
/// </remarks>
internal static class ShimLibrary
{
    /// <summary>The environment variable that points at the shim (a file or a folder).</summary>
    public const string PathVariable = "RINGATTN_NATIVE_PATH";

    /// <summary>The shim's file name on Linux.</summary>
    public const string FileName = "lib" + NativeMethods.LibraryName + ".so";

    private const string RuntimeNativeFolder = "runtimes/linux-x64/native";

    private static readonly Lazy<LoadOutcome> Outcome = new(LoadAndVerify, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _resolverRegistered;

    /// <summary>Where the shim was loaded from, once loaded.</summary>
    public static string? LoadedPath => Outcome.IsValueCreated ? Outcome.Value.Path : null;

    /// <summary>Loads and verifies the shim if not done yet.</summary>
    /// <returns>The library handle.</returns>
    /// <exception cref="NativeLibraryLoadException">The shim or a library it needs could not be loaded.</exception>
    /// <exception cref="NativeAbiMismatchException">The shim's ABI version differs from the bindings'.</exception>
    public static nint EnsureLoaded()
    {
        LoadOutcome outcome = Outcome.Value;
        return outcome.Error is null ? outcome.Handle : throw outcome.Error;
    }

    /// <summary>As <see cref="EnsureLoaded"/>, but reports the failure instead of throwing it.</summary>
    public static bool TryEnsureLoaded(out Exception? error)
    {
        error = Outcome.Value.Error;
        return error is null;
    }

    /// <summary>The probe for this process: the override variable and the folders above.</summary>
    public static NativeLibraryProbe CreateProbe() =>
        new(FileName, Environment.GetEnvironmentVariable(PathVariable), SearchDirectories());

    /// <summary>Registers the resolver for this assembly (idempotent; SetDllImportResolver allows one per assembly).</summary>
    public static void RegisterResolver()
    {
        if (Interlocked.Exchange(ref _resolverRegistered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(ShimLibrary).Assembly, Resolve);
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        // Other names fall through to the runtime's default probing (IntPtr.Zero means "not mine").
        libraryName == NativeMethods.LibraryName ? EnsureLoaded() : IntPtr.Zero;

    private static List<string> SearchDirectories()
    {
        var directories = new List<string>();
        void AddApplicationFolder(string? folder)
        {
            if (!string.IsNullOrEmpty(folder))
            {
                directories.Add(Path.Combine(folder, RuntimeNativeFolder));
                directories.Add(folder);
            }
        }

        AddApplicationFolder(AppContext.BaseDirectory);

        // Empty for single-file apps; the application folder above covers them.
        AddApplicationFolder(Path.GetDirectoryName(typeof(ShimLibrary).Assembly.Location));
        return directories;
    }

    private static LoadOutcome LoadAndVerify()
    {
        try
        {
            (nint handle, string path) = CreateProbe().Load();
            AbiCheck.Verify(handle, path);
            return new LoadOutcome(handle, path, null);
        }
        catch (Exception e) when (e is NativeLibraryLoadException or NativeAbiMismatchException)
        {
            return new LoadOutcome(IntPtr.Zero, null, e);
        }
    }

    private sealed record LoadOutcome(nint Handle, string? Path, Exception? Error);
}
