namespace RingAttention.BindingsGen.Tests;

/// <summary>Structs: sequential layout, fixed buffers and inline arrays.</summary>
public sealed partial class TypeMappingTests
{
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
}
