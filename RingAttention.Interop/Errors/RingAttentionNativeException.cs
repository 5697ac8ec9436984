namespace RingAttention.Interop;

/// <summary>
/// A call into the native shim returned a failure status. Carries the status, the function that failed and the
/// shim's own message (read on the failing thread right after the call, before anything else could replace it).
/// <see cref="Status"/> says what failed; <see cref="NcclException"/> is the one failure with its own type.
/// </summary>
public class RingAttentionNativeException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public RingAttentionNativeException()
        : this("A RingAttention native call failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public RingAttentionNativeException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public RingAttentionNativeException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Function = string.Empty;
        NativeMessage = string.Empty;
    }

    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="status">The status returned.</param>
    /// <param name="function">The shim function that returned it.</param>
    /// <param name="nativeMessage">The shim's message for the failure (ringattn_last_error).</param>
    public RingAttentionNativeException(NativeStatus status, string function, string nativeMessage)
        : base(FormatMessage(status, function, nativeMessage))
    {
        Status = status;
        Function = function;
        NativeMessage = nativeMessage;
    }

    /// <summary>What the shim returned; a value the header does not define where the library is newer than this assembly.</summary>
    public NativeStatus Status { get; }

    /// <summary>The constant's name for <see cref="Status"/>, e.g. "RINGATTN_STATUS_CUDA_ERROR".</summary>
    public string StatusName => ShimStatus.NameOf(Status);

    /// <summary>The shim function that failed, e.g. "ringattn_sdpa_forward".</summary>
    public string Function { get; }

    /// <summary>The shim's message, which includes the CUDA, cuDNN or NCCL library's own text where there is one.</summary>
    public string NativeMessage { get; }

    private static string FormatMessage(NativeStatus status, string function, string nativeMessage)
    {
        // The shim prefixes its messages with the function's name; say it once.
        string detail = nativeMessage.StartsWith(function + ": ", StringComparison.Ordinal)
            ? nativeMessage[(function.Length + 2)..]
            : nativeMessage;
        return FormattableString.Invariant($"{function} failed with {ShimStatus.NameOf(status)} ({(int)status}): ") +
            (detail.Length > 0 ? detail : "(the native library gave no message)");
    }
}
