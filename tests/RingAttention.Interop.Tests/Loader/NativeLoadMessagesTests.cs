namespace RingAttention.Interop.Tests.Loader;

/// <summary>Reading the loader's text for the library that is really missing.</summary>
public sealed class NativeLoadMessagesTests
{
    [Theory]
    [InlineData("libcudnn.so.9: cannot open shared object file: No such file or directory", "libcudnn.so.9", "cuDNN 9")]
    [InlineData("libnccl.so.2: cannot open shared object file: No such file or directory", "libnccl.so.2", "NCCL 2")]
    [InlineData("libcudart.so.13: cannot open shared object file: No such file or directory", "libcudart.so.13", "the CUDA runtime")]
    [InlineData("libcuda.so.1: cannot open shared object file: No such file or directory", "libcuda.so.1", "the NVIDIA driver")]
    public void The_dependency_in_a_dlerror_text_is_found_and_named(string dlerror, string soname, string component)
    {
        // The runtime wraps dlerror like this when NativeLibrary.Load fails.
        string message = "Unable to load shared library '/app/libringattn_shim.so' or one of its dependencies. In order to help " +
            "diagnose loading problems, consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG " +
            "environment variable: \n" + dlerror;

        Assert.Equal(soname, NativeLoadMessages.FindMissingDependency("libringattn_shim.so", message));
        Assert.Equal(component, NativeLoadMessages.ComponentOf(soname));
    }

    [Theory]
    [InlineData("/app/libringattn_shim.so: cannot open shared object file: No such file or directory")]
    [InlineData("libringattn_shim.so: cannot open shared object file: No such file or directory")]
    [InlineData("/app/libringattn_shim.so: invalid ELF header")]
    public void The_library_itself_missing_or_broken_is_not_a_missing_dependency(string dlerror)
    {
        Assert.Null(NativeLoadMessages.FindMissingDependency("libringattn_shim.so", dlerror));
    }

    [Fact]
    public void An_unknown_dependency_has_no_component()
    {
        Assert.Null(NativeLoadMessages.ComponentOf("libfoo.so.1"));
    }
}
