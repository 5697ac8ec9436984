namespace RingAttention.BindingsGen.Tests;

/// <summary>Doc comments carried over as escaped XML docs.</summary>
public sealed partial class TypeMappingTests
{
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
}
