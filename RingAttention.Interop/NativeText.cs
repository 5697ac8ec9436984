using System.Runtime.InteropServices;

namespace RingAttention.Interop;

/// <summary>Copies the shim's UTF-8 strings into managed strings.</summary>
internal static unsafe class NativeText
{
    /// <summary>A NUL-terminated UTF-8 string owned by native code (never freed here); null reads as "".</summary>
    public static string FromUtf8(byte* text) => text == null ? string.Empty : Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;

    /// <summary>A fixed-size <c>char name[N]</c> field: the bytes up to the first NUL (or all N).</summary>
    public static string FromFixedUtf8(byte* buffer, int capacity)
    {
        var span = new ReadOnlySpan<byte>(buffer, capacity);
        int end = span.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    /// <summary>
    /// The message of the last failed shim call on this thread. Must be read on the same thread right after the
    /// failing call: the next shim call on the thread replaces it.
    /// </summary>
    public static string LastError() => FromUtf8(NativeMethods.ringattn_last_error());
}
