using RingAttention.BindingsGen.Emit;

namespace RingAttention.BindingsGen.Tests;

/// <summary>Opaque handles (raw or bound to a SafeHandle) and callbacks as unmanaged function pointers.</summary>
public sealed partial class TypeMappingTests
{
    [Fact]
    public void Opaque_handles_are_distinct_types()
    {
        var bindings = Generate("""
            /** A context. */
            typedef struct t_ctx t_ctx;
            /** A CUDA stream. */
            typedef void* t_stream;
            typedef struct CUevent_st* t_event;
            int32_t t_create(t_ctx** out);
            int32_t t_use(const t_ctx* ctx, t_stream stream, t_event* out_event);
            """);

        Assert.Equal(
            """
            namespace Test.Interop;

            /// <summary>
            /// A context.
            /// </summary>
            /// <remarks>Declared but never defined in C; used only through pointers (t_ctx*).</remarks>
            internal partial struct t_ctx
            {
            }

            /// <summary>
            /// Opaque C struct CUevent_st.
            /// </summary>
            /// <remarks>Declared but never defined in C; used only through pointers (CUevent_st*).</remarks>
            internal partial struct CUevent_st
            {
            }

            /// <summary>
            /// A CUDA stream.
            /// </summary>
            /// <remarks>A pointer-sized value that only native code interprets; a distinct type so handles of different kinds cannot be mixed up.</remarks>
            /// <param name="Value">The native pointer.</param>
            internal readonly partial record struct t_stream(nint Value);

            /// <summary>
            /// Opaque C pointer type t_event.
            /// </summary>
            /// <remarks>A pointer-sized value that only native code interprets; a distinct type so handles of different kinds cannot be mixed up.</remarks>
            /// <param name="Value">The native pointer.</param>
            internal readonly partial record struct t_event(nint Value);

            """,
            WithoutBanner(bindings["Handles.g.cs"]));
        var lines = bindings.Lines("NativeMethods.g.cs");
        Assert.Contains("internal static partial int t_create(t_ctx** @out);", lines);
        Assert.Contains("internal static partial int t_use(t_ctx* ctx, t_stream stream, t_event* out_event);", lines);
    }

    [Fact]
    public void Handles_bound_to_a_SafeHandle_use_it_and_the_release_function_takes_nint()
    {
        var options = GeneratedBindings.DefaultOptions with
        {
            Handles = new Dictionary<string, HandleBinding>
            {
                ["t_ctx"] = new("SafeTCtxHandle", "t_destroy"),
                ["t_stream"] = new("SafeTStreamHandle", "t_stream_destroy"),
            },
        };
        var bindings = Generate("""
            typedef struct t_ctx t_ctx;
            typedef void* t_stream;
            int32_t t_create(int32_t device, t_ctx** out);
            int32_t t_query(const t_ctx* ctx, t_stream stream, int32_t* value);
            int32_t t_destroy(t_ctx* ctx);
            int32_t t_stream_create(t_stream* out);
            int32_t t_stream_destroy(t_stream stream);
            int32_t t_many(t_ctx* const* contexts, size_t count);
            """, options);

        var lines = bindings.Lines("NativeMethods.g.cs");
        Assert.Contains("internal static partial int t_create(int device, out SafeTCtxHandle @out);", lines);
        Assert.Contains("internal static partial int t_query(SafeTCtxHandle ctx, SafeTStreamHandle stream, int* value);", lines);
        Assert.Contains("internal static partial int t_destroy(nint ctx);", lines);
        Assert.Contains("internal static partial int t_stream_create(out SafeTStreamHandle @out);", lines);
        Assert.Contains("internal static partial int t_stream_destroy(nint stream);", lines);

        // An array of handles is not an output: it stays a raw pointer.
        Assert.Contains("internal static partial int t_many(t_ctx** contexts, nuint count);", lines);
    }

    [Fact]
    public void Callbacks_become_unmanaged_cdecl_function_pointers()
    {
        var bindings = Generate("""
            typedef struct t_msg { int32_t level; } t_msg;
            /** Receives log lines. */
            typedef void (*t_log_fn)(int32_t level, const char* message, void* user_data);
            typedef bool (*t_filter_fn)(const t_msg* msg);
            typedef struct t_hooks { t_log_fn log; void* user_data; } t_hooks;
            int32_t t_set_log(t_log_fn fn, void* user_data);
            int32_t t_for_each(int32_t (*visit)(int64_t index, void* state), void* state);
            """);

        Assert.Equal(
            """
            // t_log_fn: Receives log lines.
            global using unsafe t_log_fn = delegate* unmanaged[Cdecl]<int, byte*, void*, void>;
            // t_filter_fn: C callback type t_filter_fn.
            global using unsafe t_filter_fn = delegate* unmanaged[Cdecl]<global::Test.Interop.t_msg*, byte>;

            """,
            WithoutBanner(bindings["Callbacks.g.cs"]));
        var methods = bindings.Lines("NativeMethods.g.cs");
        Assert.Contains("internal static partial int t_set_log(t_log_fn fn, void* user_data);", methods);
        Assert.Contains("internal static partial int t_for_each(delegate* unmanaged[Cdecl]<long, void*, int> visit, void* state);", methods);
        Assert.Contains("public t_log_fn log;", bindings.Lines("Structs.g.cs"));
    }
}
