namespace RingAttention.Interop;

// One exception type per RINGATTN_STATUS_* failure a caller might handle differently. ShimStatus.CreateException
// picks the type; each adds nothing but its meaning, so all of them carry Status, Function and NativeMessage.

/// <summary>RINGATTN_STATUS_INVALID_ARGUMENT: a null pointer, a non-positive dim, a bad stride, an unknown enum value.</summary>
public class NativeInvalidArgumentException : RingAttentionNativeException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NativeInvalidArgumentException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public NativeInvalidArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public NativeInvalidArgumentException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RingAttentionNativeException(int, string, string)"/>
    public NativeInvalidArgumentException(int status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}

/// <summary>RINGATTN_STATUS_WORKSPACE_TOO_SMALL: the workspace passed is smaller than the *_workspace_size function asked for.</summary>
public sealed class NativeWorkspaceTooSmallException : NativeInvalidArgumentException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NativeWorkspaceTooSmallException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public NativeWorkspaceTooSmallException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public NativeWorkspaceTooSmallException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RingAttentionNativeException(int, string, string)"/>
    public NativeWorkspaceTooSmallException(int status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}

/// <summary>RINGATTN_STATUS_UNSUPPORTED: valid arguments, but this configuration is not supported (head dim, mask, cuDNN refused the graph).</summary>
public sealed class NativeNotSupportedException : RingAttentionNativeException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NativeNotSupportedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public NativeNotSupportedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public NativeNotSupportedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RingAttentionNativeException(int, string, string)"/>
    public NativeNotSupportedException(int status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}

/// <summary>RINGATTN_STATUS_CUDA_ERROR: a CUDA runtime call or a kernel launch failed.</summary>
public sealed class CudaException : RingAttentionNativeException
{
    /// <summary>Creates the exception with a default message.</summary>
    public CudaException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public CudaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public CudaException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RingAttentionNativeException(int, string, string)"/>
    public CudaException(int status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}

/// <summary>RINGATTN_STATUS_CUDNN_ERROR: cuDNN or cudnn-frontend failed while building or executing a graph.</summary>
public sealed class CudnnException : RingAttentionNativeException
{
    /// <summary>Creates the exception with a default message.</summary>
    public CudnnException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public CudnnException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public CudnnException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RingAttentionNativeException(int, string, string)"/>
    public CudnnException(int status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}

/// <summary>RINGATTN_STATUS_NCCL_ERROR: an NCCL call failed; RINGATTN_STATUS_ABORTED: the communicator was cancelled because a peer failed.</summary>
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

    /// <inheritdoc cref="RingAttentionNativeException(int, string, string)"/>
    public NcclException(int status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}

/// <summary>RINGATTN_STATUS_OUT_OF_MEMORY: a device or host allocation failed.</summary>
public sealed class NativeOutOfMemoryException : RingAttentionNativeException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NativeOutOfMemoryException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public NativeOutOfMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public NativeOutOfMemoryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RingAttentionNativeException(int, string, string)"/>
    public NativeOutOfMemoryException(int status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}

/// <summary>RINGATTN_STATUS_TIMEOUT: an operation (NCCL non-blocking init, a ring exchange) did not finish in time.</summary>
public sealed class NativeTimeoutException : RingAttentionNativeException
{
    /// <summary>Creates the exception with a default message.</summary>
    public NativeTimeoutException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The explanation.</param>
    public NativeTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The explanation.</param>
    /// <param name="innerException">The cause, or null.</param>
    public NativeTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc cref="RingAttentionNativeException(int, string, string)"/>
    public NativeTimeoutException(int status, string function, string nativeMessage)
        : base(status, function, nativeMessage)
    {
    }
}
