namespace RingAttention.Interop;

/// <summary>
/// RINGATTN_STATUS_NCCL_ERROR: an NCCL call failed; RINGATTN_STATUS_ABORTED: the communicator was cancelled
/// because a peer failed. The one failure with its own type, because callers handle it differently: a distributed
/// job asks its coordinator which rank died before reporting it.
/// </summary>
public sealed class NcclException : RingAttentionNativeException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NcclException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public NcclException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public NcclException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RingAttentionNativeException(NativeStatus, string, string)"/>
    public NcclException(NativeStatus status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}
