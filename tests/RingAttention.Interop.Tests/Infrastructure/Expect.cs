namespace RingAttention.Interop.Tests.Infrastructure;

/// <summary>Failure assertions for native calls: the exception thrown and the status it carries.</summary>
internal static class Expect
{
    /// <summary>
    /// Asserts that <paramref name="status"/>, just returned by <paramref name="function"/> on this thread, is
    /// <paramref name="expected"/> and throws through <see cref="ShimStatus.Check"/>, which reads the thread's message.
    /// For calls whose arguments are addresses of locals, which lambdas cannot capture.
    /// </summary>
    public static RingAttentionNativeException Failure(NativeStatus expected, int status, string function)
    {
        RingAttentionNativeException error = Throws(expected, () => ShimStatus.Check(status, function));
        Assert.Equal(function, error.Function);
        return error;
    }

    /// <summary>Asserts that <paramref name="call"/> throws a native failure of status <paramref name="expected"/>.</summary>
    public static RingAttentionNativeException Throws(NativeStatus expected, Action call)
    {
        RingAttentionNativeException error = Assert.ThrowsAny<RingAttentionNativeException>(call);
        Assert.Equal(expected, error.Status);
        return error;
    }
}
