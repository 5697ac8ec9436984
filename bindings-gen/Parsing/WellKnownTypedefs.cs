using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Parsing;

/// <summary>
/// Typedefs mapped by name rather than by what they desugar to, so that <c>int64_t</c> becomes <c>long</c> whatever
/// the platform spells it as, and <c>size_t</c> stays pointer-sized (<c>nuint</c>).
/// </summary>
internal static class WellKnownTypedefs
{
    private static readonly Dictionary<string, CType> Map = new(StringComparer.Ordinal)
    {
        ["int8_t"] = new PrimitiveType("sbyte", 1),
        ["uint8_t"] = new PrimitiveType("byte", 1),
        ["int16_t"] = new PrimitiveType("short", 2),
        ["uint16_t"] = new PrimitiveType("ushort", 2),
        ["int32_t"] = new PrimitiveType("int", 4),
        ["uint32_t"] = new PrimitiveType("uint", 4),
        ["int64_t"] = new PrimitiveType("long", 8),
        ["uint64_t"] = new PrimitiveType("ulong", 8),
        ["size_t"] = new PrimitiveType("nuint", 8),
        ["ssize_t"] = new PrimitiveType("nint", 8),
        ["ptrdiff_t"] = new PrimitiveType("nint", 8),
        ["intptr_t"] = new PrimitiveType("nint", 8),
        ["uintptr_t"] = new PrimitiveType("nuint", 8),
    };

    public static bool TryGet(string typedefName, out CType type) => Map.TryGetValue(typedefName, out type!);
}
