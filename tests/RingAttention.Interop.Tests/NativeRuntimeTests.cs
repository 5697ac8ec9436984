namespace RingAttention.Interop.Tests;

/// <summary>The availability probe the CLI and the GPU tests rely on.</summary>
public sealed class NativeRuntimeTests
{
    [Fact]
    public void IsAvailable_never_throws_and_always_explains()
    {
        bool available = NativeRuntime.IsAvailable(out string reason);

        Assert.False(string.IsNullOrWhiteSpace(reason));
        if (available)
        {
            Assert.Contains("CUDA device(s) visible", reason, StringComparison.Ordinal);
        }
        else
        {
            // Either the library did not load (the message lists where it looked) or it loaded and found no GPU.
            Assert.Contains("libringattn_shim.so", reason, StringComparison.Ordinal);
        }

        // Asking again gives the same answer: the load outcome is remembered.
        Assert.Equal(available, NativeRuntime.IsAvailable(out string again));
        Assert.Equal(reason, again);
    }

    [Fact]
    public void Without_the_shim_the_public_entry_points_throw_the_load_exception()
    {
        Assert.SkipWhen(ShimLibrary.TryEnsureLoaded(out _), "the shim is loaded here; this test covers machines without it");

        var error = Assert.Throws<NativeLibraryLoadException>(NativeRuntime.GetVersions);
        Assert.Equal(ShimLibrary.FileName, error.LibraryName);
        Assert.NotEmpty(error.Attempts);

        // A raw LibraryImport call goes through the resolver, which reports the same explanation.
        var raw = Assert.Throws<NativeLibraryLoadException>(() => NativeMethods.ringattn_abi_version());
        Assert.Equal(error.Message, raw.Message);
    }

    [Theory]
    [InlineData(12080, "12.8")]
    [InlineData(13000, "13.0")]
    [InlineData(12040, "12.4")]
    public void Cuda_versions_are_formatted_as_major_minor(int version, string expected)
    {
        Assert.Equal(expected, NativeRuntime.FormatCudaVersion(version));
    }
}
