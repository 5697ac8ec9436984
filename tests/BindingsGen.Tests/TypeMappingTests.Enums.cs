namespace RingAttention.BindingsGen.Tests;

/// <summary>Enums, anonymous enums and #define constants: their values and the C# type clang gives them.</summary>
public sealed partial class TypeMappingTests
{
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
}
