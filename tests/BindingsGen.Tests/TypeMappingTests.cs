using RingAttention.BindingsGen.Emit;

namespace RingAttention.BindingsGen.Tests;

/// <summary>Each C type class the shim uses, with the exact C# it must become.</summary>
public sealed class TypeMappingTests
{
    private const string Prelude = "#include <stdint.h>\n#include <stddef.h>\n#include <stdbool.h>\n";

    private static GeneratedBindings Generate(string body, GeneratorOptions? options = null) =>
        GeneratedBindings.FromHeader(Prelude + body, options);

    private static void AssertFunction(string cDeclaration, string expectedCSharp, GeneratorOptions? options = null, string? preamble = null)
    {
        var bindings = Generate((preamble ?? string.Empty) + "\n" + cDeclaration + "\n", options);
        Assert.Contains(expectedCSharp, bindings.Lines("NativeMethods.g.cs"));
    }

    [Fact]
    public void Fixed_width_integers_map_by_typedef_name()
    {
        AssertFunction(
            "int32_t f(int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t g, int64_t h, uint64_t i);",
            "internal static partial int f(sbyte a, byte b, short c, ushort d, int e, uint g, long h, ulong i);");
    }

    [Fact]
    public void Size_t_and_pointer_sized_typedefs_are_native_integers()
    {
        AssertFunction(
            "size_t f(size_t n, ptrdiff_t d, intptr_t i, uintptr_t u);",
            "internal static partial nuint f(nuint n, nint d, nint i, nuint u);");
    }

    [Fact]
    public void Typedef_of_a_fixed_width_integer_resolves_to_the_integer()
    {
        AssertFunction(
            "t_status f(t_status s);",
            "internal static partial int f(int s);",
            preamble: "typedef int32_t t_status;");
    }

    [Fact]
    public void Float_and_double_keep_their_width()
    {
        AssertFunction("double f(float a, double b, float* out_ms);", "internal static partial double f(float a, double b, float* out_ms);");
    }

    [Fact]
    public void Bool_parameters_and_returns_are_marshalled_as_one_byte()
    {
        var lines = Generate("bool f(bool flag, bool* out_flag);").Lines("NativeMethods.g.cs");
        int index = lines.ToList().IndexOf("internal static partial bool f([MarshalAs(UnmanagedType.U1)] bool flag, byte* out_flag);");
        Assert.True(index > 0, string.Join('\n', lines));
        Assert.Equal("[return: MarshalAs(UnmanagedType.U1)]", lines[index - 1]);
        Assert.Equal("[LibraryImport(LibraryName)]", lines[index - 2]);
    }

    [Fact]
    public void Strings_are_utf8_byte_pointers_in_both_directions()
    {
        AssertFunction("const char* f(const char* name, char* buffer, size_t capacity);",
            "internal static partial byte* f(byte* name, byte* buffer, nuint capacity);");
    }

    [Fact]
    public void Void_and_pointer_to_pointer_outputs_stay_raw_pointers()
    {
        AssertFunction("void f(void);", "internal static partial void f();");
        AssertFunction("int32_t f(void** out_ptr, int64_t* count, const void* src);",
            "internal static partial int f(void** out_ptr, long* count, void* src);");
    }

    [Fact]
    public void Array_parameters_decay_to_pointers()
    {
        AssertFunction("int32_t f(int64_t dims[4], const float values[]);", "internal static partial int f(long* dims, float* values);");
    }

    [Fact]
    public void Keywords_used_as_parameter_names_are_escaped_and_unnamed_parameters_numbered()
    {
        AssertFunction("int32_t f(int32_t out, int32_t event, int32_t);", "internal static partial int f(int @out, int @event, int arg2);");
    }

    [Fact]
    public void Enums_keep_explicit_and_implied_values()
    {
        var bindings = Generate("""
            /** Element types. */
            typedef enum t_dtype { T_BF16 = 0, T_FP16 = 4, T_FP32, T_NEG = -3 } t_dtype;
            enum t_plain { T_A = 1u, T_B = 0x10 };
            t_dtype f(enum t_plain p);
            """);

        Assert.Equal(
            """
            namespace Test.Interop;

            /// <summary>
            /// Element types.
            /// </summary>
            internal enum t_dtype : int
            {
                /// <summary>
                /// C enumerator T_BF16.
                /// </summary>
                T_BF16 = 0,

                /// <summary>
                /// C enumerator T_FP16.
                /// </summary>
                T_FP16 = 4,

                /// <summary>
                /// C enumerator T_FP32.
                /// </summary>
                T_FP32 = 5,

                /// <summary>
                /// C enumerator T_NEG.
                /// </summary>
                T_NEG = -3,
            }

            /// <summary>
            /// C enum t_plain.
            /// </summary>
            internal enum t_plain : int
            {
                /// <summary>
                /// C enumerator T_A.
                /// </summary>
                T_A = 1,

                /// <summary>
                /// C enumerator T_B.
                /// </summary>
                T_B = 16,
            }

            """,
            WithoutBanner(bindings["Enums.g.cs"]));
        Assert.Contains("internal static partial t_dtype f(t_plain p);", bindings.Lines("NativeMethods.g.cs"));
    }

    [Fact]
    public void Anonymous_enums_become_constants()
    {
        var bindings = Generate("enum { T_LIMIT = 128, T_OTHER = -1 };");
        var lines = bindings.Lines("Constants.g.cs");
        Assert.Contains("internal const int T_LIMIT = 128;", lines);
        Assert.Contains("internal const int T_OTHER = -1;", lines);
        Assert.DoesNotContain(bindings.Files, f => f.FileName == "Enums.g.cs");
    }

    [Fact]
    public void Define_constants_are_evaluated_by_clang_with_their_C_type()
    {
        var bindings = Generate("""
            #define T_EXPORT
            #define T_GUARD_ONLY
            /** Success. */
            #define T_OK (0)
            #define T_INVALID (-2) /**< Bad argument. */
            #define T_ABI ((uint32_t)3u)
            #define T_HEX 0x7fffffff
            #define T_SHIFT (1 << 4)
            #define T_DERIVED (T_SHIFT * 2 + T_OK)
            #define T_BIG 0x100000000LL
            #define T_UBIG 18446744073709551615ULL
            #define T_NAME "not a number"
            #define T_MAX(a, b) ((a) > (b) ? (a) : (b))
            #define T_ATTR __attribute__((visibility("default")))
            """);

        Assert.Equal(
            """
            namespace Test.Interop;

            /// <summary>The integer <c>#define</c> constants of the native header, with the values clang computed.</summary>
            internal static class NativeConstants
            {
                /// <summary>
                /// Success.
                /// </summary>
                internal const int T_OK = 0;

                /// <summary>
                /// Bad argument.
                /// </summary>
                internal const int T_INVALID = -2;

                /// <summary>
                /// C constant T_ABI.
                /// </summary>
                internal const uint T_ABI = 3;

                /// <summary>
                /// C constant T_HEX.
                /// </summary>
                internal const int T_HEX = 2147483647;

                /// <summary>
                /// C constant T_SHIFT.
                /// </summary>
                internal const int T_SHIFT = 16;

                /// <summary>
                /// C constant T_DERIVED.
                /// </summary>
                internal const int T_DERIVED = 32;

                /// <summary>
                /// C constant T_BIG.
                /// </summary>
                internal const long T_BIG = 4294967296;

                /// <summary>
                /// C constant T_UBIG.
                /// </summary>
                internal const ulong T_UBIG = 18446744073709551615;
            }

            """,
            WithoutBanner(bindings["Constants.g.cs"]));
    }

    [Fact]
    public void Structs_are_sequential_with_fixed_buffers_and_inline_arrays()
    {
        var bindings = Generate("""
            typedef struct t_inner { int32_t a; } t_inner;
            /** A <descriptor> & more. */
            typedef struct t_desc {
                /** Strides in elements. */
                int64_t stride[4];
                uint8_t bytes[128];
                char name[16];
                size_t sizes[2];
                t_inner inner[3];
                bool causal;
                float scale;
                double eps;
                t_inner one;
                const void* data;
                struct t_desc* next;
            } t_desc;
            """);

        Assert.Equal(
            """
            using System.Runtime.CompilerServices;
            using System.Runtime.InteropServices;

            namespace Test.Interop;

            #pragma warning disable CS0649 // Fields are written by native code or through pointers.

            /// <summary>
            /// C struct t_inner.
            /// </summary>
            /// <remarks>C layout on x86-64: 4 bytes, 4-byte aligned.</remarks>
            [StructLayout(LayoutKind.Sequential)]
            internal unsafe partial struct t_inner
            {
                /// <summary>
                /// C field a.
                /// </summary>
                public int a;
            }

            /// <summary>
            /// A &lt;descriptor&gt; &amp; more.
            /// </summary>
            /// <remarks>C layout on x86-64: 248 bytes, 8-byte aligned.</remarks>
            [StructLayout(LayoutKind.Sequential)]
            internal unsafe partial struct t_desc
            {
                /// <summary>
                /// Strides in elements.
                /// </summary>
                public fixed long stride[4];

                /// <summary>
                /// C field bytes.
                /// </summary>
                public fixed byte bytes[128];

                /// <summary>
                /// C field name.
                /// </summary>
                public fixed byte name[16];

                /// <summary>
                /// C field sizes.
                /// </summary>
                public _sizes_e__FixedBuffer sizes;

                /// <summary>
                /// C field inner.
                /// </summary>
                public _inner_e__FixedBuffer inner;

                /// <summary>
                /// C field causal.
                /// </summary>
                /// <remarks>C bool: 0 or 1.</remarks>
                public byte causal;

                /// <summary>
                /// C field scale.
                /// </summary>
                public float scale;

                /// <summary>
                /// C field eps.
                /// </summary>
                public double eps;

                /// <summary>
                /// C field one.
                /// </summary>
                public t_inner one;

                /// <summary>
                /// C field data.
                /// </summary>
                public void* data;

                /// <summary>
                /// C field next.
                /// </summary>
                public t_desc* next;

                /// <summary>Inline storage for 2 elements of nuint.</summary>
                [InlineArray(2)]
                public partial struct _sizes_e__FixedBuffer
                {
                    /// <summary>The first element; index the buffer to reach the others.</summary>
                    public nuint e0;
                }

                /// <summary>Inline storage for 3 elements of t_inner.</summary>
                [InlineArray(3)]
                public partial struct _inner_e__FixedBuffer
                {
                    /// <summary>The first element; index the buffer to reach the others.</summary>
                    public t_inner e0;
                }
            }

            """,
            WithoutBanner(bindings["Structs.g.cs"]));
    }

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

    [Fact]
    public void Doc_comments_become_escaped_xml_docs_with_params_and_returns()
    {
        var bindings = Generate("""
            /**
             * @brief Copies `n` bytes if a < b && b > 0.
             *
             * Second paragraph,
             *   wrapped   as in the header.
             * @param[in] src  the source <device>
             *            pointer
             * @param n byte count
             * @param unknown not a parameter
             * @return RINGATTN_STATUS_OK & friends
             */
            int32_t t_copy(const void* src, size_t n);
            // A line comment.
            void t_line(void);
            """);

        var text = bindings["NativeMethods.g.cs"];
        Assert.Contains(
            """
                /// <summary>
                /// <para>
                /// Copies `n` bytes if a &lt; b &amp;&amp; b &gt; 0.
                /// </para>
                /// <para>
                /// Second paragraph,
                /// wrapped as in the header.
                /// </para>
                /// </summary>
                /// <param name="src">the source &lt;device&gt; pointer</param>
                /// <param name="n">byte count</param>
                /// <returns>RINGATTN_STATUS_OK &amp; friends</returns>
                [LibraryImport(LibraryName)]
                internal static partial int t_copy(void* src, nuint n);
            """,
            text);
        Assert.Contains(
            """
                /// <summary>
                /// A line comment.
                /// </summary>
                [LibraryImport(LibraryName)]
                internal static partial void t_line();
            """,
            text);
        Assert.DoesNotContain("unknown", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Static_inline_helpers_are_not_imported()
    {
        var bindings = Generate("static inline int32_t t_helper(int32_t x) { return x; }\nint32_t t_exported(void);");
        var lines = bindings.Lines("NativeMethods.g.cs");
        Assert.Contains("internal static partial int t_exported();", lines);
        Assert.DoesNotContain(lines, l => l.Contains("t_helper", StringComparison.Ordinal));
    }

    /// <summary>The generated file without its 5-line banner and the blank line after it.</summary>
    internal static string WithoutBanner(string content)
    {
        string[] lines = content.Split('\n');
        Assert.Equal("// <auto-generated>", lines[0]);
        Assert.Equal("// </auto-generated>", lines[4]);
        return string.Join('\n', lines.Skip(6));
    }
}
