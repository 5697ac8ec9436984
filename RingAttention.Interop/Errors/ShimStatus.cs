using System.Globalization;
using System.Runtime.CompilerServices;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop;

/// <summary>Turns RINGATTN_STATUS_* results into exceptions.</summary>
internal static class ShimStatus
{
    /// <summary>
    /// Throws the exception for <paramref name="status"/> unless it is RINGATTN_STATUS_OK. Call it directly around
    /// the native call (<c>ShimStatus.Check(NativeMethods.ringattn_x(...))</c>), on the same thread and before any
    /// await, so the thread-local message read here is the one of this failure.
    /// </summary>
    /// <param name="status">The value the shim returned.</param>
    /// <param name="call">Filled in by the compiler with the call's text; the function name is taken from it.</param>
    public static void Check(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != RINGATTN_STATUS_OK)
        {
            throw CreateException(status, FunctionName(call), NativeText.LastError());
        }
    }

    /// <summary>The exception type and message for a failed call.</summary>
    public static RingAttentionNativeException CreateException(int status, string function, string nativeMessage) => status switch
    {
        RINGATTN_STATUS_INVALID_ARGUMENT => new NativeInvalidArgumentException(status, function, nativeMessage),
        RINGATTN_STATUS_WORKSPACE_TOO_SMALL => new NativeWorkspaceTooSmallException(status, function, nativeMessage),
        RINGATTN_STATUS_UNSUPPORTED => new NativeNotSupportedException(status, function, nativeMessage),
        RINGATTN_STATUS_CUDA_ERROR => new CudaException(status, function, nativeMessage),
        RINGATTN_STATUS_CUDNN_ERROR => new CudnnException(status, function, nativeMessage),
        RINGATTN_STATUS_NCCL_ERROR or RINGATTN_STATUS_ABORTED => new NcclException(status, function, nativeMessage),
        RINGATTN_STATUS_OUT_OF_MEMORY => new NativeOutOfMemoryException(status, function, nativeMessage),
        RINGATTN_STATUS_TIMEOUT => new NativeTimeoutException(status, function, nativeMessage),
        _ => new RingAttentionNativeException(status, function, nativeMessage),
    };

    /// <summary>
    /// The header's name for a status. Kept in managed code (not ringattn_status_name) so that messages can be
    /// formatted even when the library is not loaded.
    /// </summary>
    public static string NameOf(int status) => status switch
    {
        RINGATTN_STATUS_OK => nameof(RINGATTN_STATUS_OK),
        RINGATTN_STATUS_INVALID_ARGUMENT => nameof(RINGATTN_STATUS_INVALID_ARGUMENT),
        RINGATTN_STATUS_UNSUPPORTED => nameof(RINGATTN_STATUS_UNSUPPORTED),
        RINGATTN_STATUS_CUDA_ERROR => nameof(RINGATTN_STATUS_CUDA_ERROR),
        RINGATTN_STATUS_CUDNN_ERROR => nameof(RINGATTN_STATUS_CUDNN_ERROR),
        RINGATTN_STATUS_NCCL_ERROR => nameof(RINGATTN_STATUS_NCCL_ERROR),
        RINGATTN_STATUS_OUT_OF_MEMORY => nameof(RINGATTN_STATUS_OUT_OF_MEMORY),
        RINGATTN_STATUS_WORKSPACE_TOO_SMALL => nameof(RINGATTN_STATUS_WORKSPACE_TOO_SMALL),
        RINGATTN_STATUS_TIMEOUT => nameof(RINGATTN_STATUS_TIMEOUT),
        RINGATTN_STATUS_NOT_READY => nameof(RINGATTN_STATUS_NOT_READY),
        RINGATTN_STATUS_INTERNAL => nameof(RINGATTN_STATUS_INTERNAL),
        RINGATTN_STATUS_ABORTED => nameof(RINGATTN_STATUS_ABORTED),
        _ => "unknown status " + status.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>"NativeMethods.ringattn_cuda_malloc(bytes, &amp;p)" → "ringattn_cuda_malloc".</summary>
    internal static string FunctionName(string call)
    {
        int open = call.IndexOf('(', StringComparison.Ordinal);
        string callee = (open < 0 ? call : call[..open]).Trim();
        int dot = callee.LastIndexOf('.');
        return dot < 0 ? callee : callee[(dot + 1)..];
    }
}
