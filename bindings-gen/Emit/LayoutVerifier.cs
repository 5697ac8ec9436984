using RingAttention.BindingsGen.Clang;
using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Emit;

/// <summary>
/// Checks that C#'s sequential layout of each generated struct lands every field at clang's offset and gives
/// clang's size. They differ only when the header uses packing or alignment attributes, which would silently
/// corrupt data across the ABI, so a mismatch stops generation.
/// </summary>
internal static class LayoutVerifier
{
    public static void Verify(HeaderModel model)
    {
        var structs = model.Structs.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var enums = model.Enums.ToDictionary(e => e.Name, StringComparer.Ordinal);

        (long Size, long Alignment) Measure(CType type) => type switch
        {
            PrimitiveType p => (p.Size, p.Size),
            BoolType => (1, 1),
            PointerType or FunctionPointerType => (8, 8),
            NamedType { Kind: NamedTypeKind.HandleTypedef or NamedTypeKind.Callback } => (8, 8),
            NamedType { Kind: NamedTypeKind.Enum } e => MeasureEnum(enums[e.Name]),
            NamedType { Kind: NamedTypeKind.Struct } s => (structs[s.Name].Size, structs[s.Name].Alignment),
            ArrayType a => (Measure(a.Element).Size * a.Length, Measure(a.Element).Alignment),
            _ => throw new HeaderParseException($"type {type} cannot be laid out by value"),
        };

        foreach (StructDeclaration declaration in model.Structs)
        {
            long offset = 0;
            long alignment = 1;
            foreach (FieldDeclaration field in declaration.Fields)
            {
                (long size, long fieldAlignment) = Measure(field.Type);
                offset = AlignUp(offset, fieldAlignment);
                if (offset != field.Offset)
                {
                    throw new HeaderParseException(
                        $"struct {declaration.Name}: field '{field.Name}' is at offset {field.Offset} in C but would be at {offset} " +
                        "in a sequential C# struct; packed or over-aligned structs are not supported.");
                }

                offset += size;
                alignment = Math.Max(alignment, fieldAlignment);
            }

            long total = AlignUp(offset, alignment);
            if (total != declaration.Size)
            {
                throw new HeaderParseException(
                    $"struct {declaration.Name}: sizeof is {declaration.Size} in C but {total} in a sequential C# struct.");
            }
        }
    }

    private static (long, long) MeasureEnum(EnumDeclaration declaration) => declaration.UnderlyingCSharpType switch
    {
        "sbyte" or "byte" => (1, 1),
        "short" or "ushort" => (2, 2),
        "long" or "ulong" => (8, 8),
        _ => (4, 4),
    };

    private static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;
}
