namespace RingAttention.BindingsGen.Model;

/// <summary>A C type as bindings-gen understands it, already reduced to what matters for the C# mapping.</summary>
internal abstract record CType;

/// <summary><c>void</c>.</summary>
internal sealed record VoidType : CType
{
    public static readonly VoidType Instance = new();
}

/// <summary>A fixed-size scalar with a direct C# keyword (<c>int64_t</c> → <c>long</c>, <c>size_t</c> → <c>nuint</c>).</summary>
/// <param name="CSharpName">The C# keyword.</param>
/// <param name="Size">Size in bytes (also the alignment on the supported ABI).</param>
internal sealed record PrimitiveType(string CSharpName, int Size) : CType;

/// <summary>C <c>bool</c> / <c>_Bool</c>: one byte holding 0 or 1.</summary>
internal sealed record BoolType : CType
{
    public static readonly BoolType Instance = new();
}

/// <summary><c>T*</c>; <paramref name="PointeeIsConst"/> is true for <c>const T*</c>.</summary>
internal sealed record PointerType(CType Pointee, bool PointeeIsConst) : CType;

/// <summary><c>T name[Length]</c> inside a struct.</summary>
internal sealed record ArrayType(CType Element, long Length) : CType;

/// <summary>A type declared in the header itself (struct, enum, opaque struct, handle typedef or callback typedef).</summary>
internal sealed record NamedType(string Name, NamedTypeKind Kind) : CType;

/// <summary>A pointer to a function that has no typedef of its own.</summary>
internal sealed record FunctionPointerType(CType Return, IReadOnlyList<CType> Parameters) : CType;

/// <summary>What a <see cref="NamedType"/> refers to.</summary>
internal enum NamedTypeKind
{
    /// <summary>A struct with a definition: emitted as a blittable sequential struct.</summary>
    Struct,

    /// <summary>A C enum: emitted as a C# enum.</summary>
    Enum,

    /// <summary>A struct declared but never defined: emitted as an empty struct, used only by pointer.</summary>
    Opaque,

    /// <summary>A typedef of a pointer to an opaque struct or to void: emitted as a one-field readonly struct.</summary>
    HandleTypedef,

    /// <summary>A typedef of a function pointer: emitted as a global using alias of a <c>delegate* unmanaged</c>.</summary>
    Callback,
}
