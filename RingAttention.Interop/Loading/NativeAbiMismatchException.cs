namespace RingAttention.Interop;

/// <summary>
/// The shim that was loaded was built from a different version of ringattn_shim.h than these bindings were
/// generated from, so calling it could corrupt memory. Raised once, on first use, instead of any call.
/// </summary>
public sealed class NativeAbiMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NativeAbiMismatchException()
        : this("The native RingAttention library has an incompatible ABI version.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public NativeAbiMismatchException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public NativeAbiMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
        LibraryPath = string.Empty;
    }

    internal NativeAbiMismatchException(string libraryPath, uint expected, uint? actual)
        : base(actual is null
            ? $"{libraryPath} does not export ringattn_abi_version: it is not a RingAttention shim, or one older than ABI version {expected}."
            : $"{libraryPath} reports ABI version {actual}, but RingAttention.Interop was generated from a ringattn_shim.h with ABI version {expected}. " +
              "Use the native library built from the same RingAttention version (or regenerate the bindings with bindings-gen).")
    {
        LibraryPath = libraryPath;
        ExpectedVersion = expected;
        ActualVersion = actual;
    }

    /// <summary>Where the mismatching library was loaded from.</summary>
    public string LibraryPath { get; }

    /// <summary>The ABI version these bindings were generated for (RINGATTN_ABI_VERSION of the header).</summary>
    public uint ExpectedVersion { get; }

    /// <summary>The ABI version the library reports; null when it does not export ringattn_abi_version.</summary>
    public uint? ActualVersion { get; }
}
