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

    /// <summary>The exception for a failed call: <see cref="NcclException"/> for NCCL's failures, else the base type.</summary>
    public static RingAttentionNativeException CreateException(int status, string function, string nativeMessage) => (NativeStatus)status switch
    {
        NativeStatus.NcclError or NativeStatus.Aborted => new NcclException((NativeStatus)status, function, nativeMessage),
        _ => new RingAttentionNativeException((NativeStatus)status, function, nativeMessage),
    };

    /// <summary>
    /// The header's name for a status (generated from the header, not ringattn_status_name, so that messages can be
    /// formatted even when the library is not loaded).
    /// </summary>
    public static string NameOf(NativeStatus status) =>
        NativeStatusNames.NameOf(status) ?? "unknown status " + ((int)status).ToString(CultureInfo.InvariantCulture);

    /// <summary>"NativeMethods.ringattn_cuda_malloc(bytes, &amp;p)" → "ringattn_cuda_malloc".</summary>
    internal static string FunctionName(string call)
    {
        int open = call.IndexOf('(', StringComparison.Ordinal);
        string callee = (open < 0 ? call : call[..open]).Trim();
        int dot = callee.LastIndexOf('.');
        return dot < 0 ? callee : callee[(dot + 1)..];
    }
}
