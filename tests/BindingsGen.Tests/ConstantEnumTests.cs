using RingAttention.BindingsGen.Emit;

namespace RingAttention.BindingsGen.Tests;

/// <summary>Groups of #define constants that share a prefix, emitted as enums with the header's names.</summary>
public sealed class ConstantEnumTests
{
    private const string Header = """
        /** Success. */
        #define T_STATUS_OK (0)
        /** An argument is invalid. */
        #define T_STATUS_INVALID_ARGUMENT (1)
        #define T_STATUS_OUT_OF_MEMORY (6)
        #define T_DTYPE_BF16 (0)
        """;

    private static GeneratorOptions Options(params ConstantEnumBinding[] enums) =>
        GeneratedBindings.DefaultOptions with { ConstantEnums = enums };

    [Fact]
    public void A_prefix_becomes_an_enum_of_its_constants_in_pascal_case()
    {
        var bindings = GeneratedBindings.FromHeader(Header, Options(new ConstantEnumBinding("T_STATUS_", "Status", true, "Results.")));
        IReadOnlyList<string> lines = bindings.Lines("ConstantEnums.g.cs");

        Assert.Contains("public enum Status", lines);
        Assert.Equal(["Ok = 0,", "InvalidArgument = 1,", "OutOfMemory = 6,"], lines.Where(l => l.Contains(" = ", StringComparison.Ordinal) && l.EndsWith(',')).ToList());
        Assert.Contains("/// Success.", lines);
        Assert.Contains("Status.InvalidArgument => \"T_STATUS_INVALID_ARGUMENT\",", lines);
        Assert.Contains("_ => null,", lines);
        Assert.DoesNotContain(lines, l => l.Contains("T_DTYPE", StringComparison.Ordinal));
        Assert.Contains("internal const int T_STATUS_OK = 0;", bindings.Lines("Constants.g.cs")); // the constants stay
    }

    [Fact]
    public void An_enum_is_internal_unless_it_is_asked_to_be_public()
    {
        var bindings = GeneratedBindings.FromHeader(Header, Options(new ConstantEnumBinding("T_DTYPE_", "DataType", false, "Types.")));
        Assert.Contains("internal enum DataType", bindings.Lines("ConstantEnums.g.cs"));
    }

    [Fact]
    public void A_prefix_no_constant_has_is_an_error()
    {
        Assert.Throws<InvalidDataException>(() =>
            GeneratedBindings.FromHeader(Header, Options(new ConstantEnumBinding("T_MASK_", "Mask", false, "Masks."))));
    }

    [Theory]
    [InlineData("RINGATTN_STATUS_OK", "RINGATTN_STATUS_", "Ok")]
    [InlineData("RINGATTN_MASK_CAUSAL_TOP_LEFT", "RINGATTN_MASK_", "CausalTopLeft")]
    [InlineData("RINGATTN_DTYPE_BF16", "RINGATTN_DTYPE_", "Bf16")]
    public void Member_names_are_the_suffix_in_pascal_case(string constant, string prefix, string expected)
    {
        Assert.Equal(expected, ConstantEnumWriter.MemberName(constant, prefix));
    }
}
