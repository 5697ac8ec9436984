namespace RingAttention.Interop.Tests.Infrastructure;

/// <summary>Failure assertions for native calls whose arguments are addresses of locals (which lambdas cannot capture).</summary>
internal static class Expect
{
    /// <summary>
    /// Asserts that <paramref name="status"/>, just returned by <paramref name="function"/> on this thread, throws
    /// <typeparamref name="T"/> through <see cref="ShimStatus.Check"/>, which reads the thread's message.
    /// </summary>
    public static T Failure<T>(int status, string function)
        where T : RingAttentionNativeException
    {
        T error = Assert.Throws<T>(() => ShimStatus.Check(status, function));
        Assert.Equal(function, error.Function);
        return error;
    }
}
