using System.Runtime.InteropServices;
using RingAttention.Interop.Tests.Infrastructure;

namespace RingAttention.Interop.Tests.Loader;

/// <summary>The ABI handshake against fake shims.</summary>
public sealed class AbiCheckTests
{
    [Fact]
    public void A_matching_ABI_version_passes()
    {
        Requires.CCompiler();
        nint library = NativeLibrary.Load(FakeShims.Good);
        AbiCheck.Verify(library, FakeShims.Good);
        Assert.Equal(2u, AbiCheck.ExpectedVersion);
    }

    [Fact]
    public void A_different_ABI_version_is_refused_naming_both_versions_and_the_path()
    {
        Requires.CCompiler();
        nint library = NativeLibrary.Load(FakeShims.Abi999);

        var error = Assert.Throws<NativeAbiMismatchException>(() => AbiCheck.Verify(library, FakeShims.Abi999));

        Assert.Equal(999u, error.ActualVersion);
        Assert.Equal(AbiCheck.ExpectedVersion, error.ExpectedVersion);
        Assert.Equal(FakeShims.Abi999, error.LibraryPath);
        Assert.Equal(
            $"{FakeShims.Abi999} reports ABI version 999, but RingAttention.Interop was generated from a ringattn_shim.h with ABI version 2. " +
            "Use the native library built from the same RingAttention version (or regenerate the bindings with bindings-gen).",
            error.Message);
    }

    [Fact]
    public void A_library_without_the_version_export_is_refused()
    {
        Requires.CCompiler();
        nint library = NativeLibrary.Load(FakeShims.NotAShim);

        var error = Assert.Throws<NativeAbiMismatchException>(() => AbiCheck.Verify(library, FakeShims.NotAShim));

        Assert.Null(error.ActualVersion);
        Assert.Contains("does not export ringattn_abi_version", error.Message, StringComparison.Ordinal);
    }
}
