using System.Runtime.InteropServices;

namespace RingAttention.Interop;

/// <summary>
/// Compares the loaded library's ringattn_abi_version() with the header's RINGATTN_ABI_VERSION. Calls the export
/// through a raw function pointer: a LibraryImport call would go through the resolver that is still deciding
/// whether this library may be used.
/// </summary>
internal static unsafe class AbiCheck
{
    public const string ExportName = "ringattn_abi_version";

    /// <summary>The ABI version the generated bindings expect.</summary>
    public static uint ExpectedVersion => unchecked((uint)NativeConstants.RINGATTN_ABI_VERSION);

    /// <exception cref="NativeAbiMismatchException">The library's version differs or it has no such export.</exception>
    public static void Verify(nint library, string libraryPath)
    {
        if (!NativeLibrary.TryGetExport(library, ExportName, out nint export))
        {
            throw new NativeAbiMismatchException(libraryPath, ExpectedVersion, actual: null);
        }

        uint actual = ((delegate* unmanaged<uint>)export)();
        if (actual != ExpectedVersion)
        {
            throw new NativeAbiMismatchException(libraryPath, ExpectedVersion, actual);
        }
    }
}
