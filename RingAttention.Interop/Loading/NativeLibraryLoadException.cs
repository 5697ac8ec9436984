namespace RingAttention.Interop;

/// <summary>
/// A native library RingAttention needs could not be loaded: the shim itself, or one of the libraries it links
/// (cuDNN, NCCL, the CUDA runtime). The message names the library, every path tried and the loader's own message
/// for each (for glibc, the dlerror text such as "libcudnn.so.9: cannot open shared object file").
/// Derives from <see cref="DllNotFoundException"/> so that existing handlers for missing native code still apply.
/// </summary>
public sealed class NativeLibraryLoadException : DllNotFoundException
{
    /// <summary>Creates the exception with an explanation and no attempts.</summary>
    public NativeLibraryLoadException()
        : this("A native library could not be loaded.")
    {
    }

    /// <summary>Creates the exception with a message and no attempts.</summary>
    /// <param name="message">The explanation.</param>
    public NativeLibraryLoadException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public NativeLibraryLoadException(string message, Exception? innerException)
        : base(message, innerException)
    {
        LibraryName = string.Empty;
        Attempts = [];
    }

    internal NativeLibraryLoadException(string libraryName, IReadOnlyList<NativeLoadAttempt> attempts, string? missingDependency)
        : base(NativeLoadMessages.Describe(libraryName, attempts, missingDependency))
    {
        LibraryName = libraryName;
        Attempts = attempts;
        MissingDependency = missingDependency;
    }

    /// <summary>The library that was being loaded, e.g. "libringattn_shim.so".</summary>
    public string LibraryName { get; }

    /// <summary>Every place tried, in order, with why it failed.</summary>
    public IReadOnlyList<NativeLoadAttempt> Attempts { get; }

    /// <summary>
    /// When the library was found but a library it depends on was not (e.g. "libcudnn.so.9"), that library's
    /// file name as the loader reported it; otherwise null.
    /// </summary>
    public string? MissingDependency { get; }
}

/// <summary>One place the loader tried and, when it failed, why.</summary>
/// <param name="Location">A full path, or a bare file name handed to the system's library search.</param>
/// <param name="Failure">The loader's message ("file does not exist" when there was nothing to load), or null on success.</param>
public sealed record NativeLoadAttempt(string Location, string? Failure);
