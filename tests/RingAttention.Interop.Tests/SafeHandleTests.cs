namespace RingAttention.Interop.Tests;

/// <summary>SafeHandle ownership rules that hold without native code.</summary>
public sealed class SafeHandleTests
{
    [Fact]
    public void Borrowed_and_default_streams_are_never_destroyed()
    {
        // Disposing would call ringattn_cuda_stream_destroy if these owned their streams; with no shim loaded
        // that call would throw, and with one it would destroy a stream that is not ours.
        using (var borrowed = SafeCudaStreamHandle.Borrow(0x1234))
        {
            Assert.Equal(0x1234, borrowed.DangerousGetHandle());
        }

        using var legacyDefault = SafeCudaStreamHandle.LegacyDefault();
        Assert.Equal(IntPtr.Zero, legacyDefault.DangerousGetHandle());
        Assert.True(legacyDefault.IsInvalid);
    }

    [Fact]
    public void Handles_made_for_out_parameters_start_invalid_and_release_nothing()
    {
        using var context = new SafeContextHandle();
        using var comm = new SafeNcclCommHandle();
        using var stream = new SafeCudaStreamHandle();
        using var cudaEvent = new SafeCudaEventHandle();
        Assert.True(context.IsInvalid && comm.IsInvalid && stream.IsInvalid && cudaEvent.IsInvalid);
        Assert.Equal(NativeConstants.RINGATTN_STATUS_OK, comm.Abort());
    }
}
