namespace RingAttention.BindingsGen.Model;

/// <summary>Something the header declares, with the doc comment written above it (already stripped of comment markers).</summary>
internal abstract record Declaration(string Name, DocComment? Doc);

/// <summary>
/// An object-like <c>#define</c> whose body clang evaluates to an integer. <c>CSharpType</c> is int, uint, long or
/// ulong, after the type C gives the expression; <c>Value</c> is the C# literal to emit.
/// </summary>
internal sealed record ConstantDeclaration(string Name, string CSharpType, string Value, DocComment? Doc) : Declaration(Name, Doc);

/// <summary>An enumerator with its explicit or implied value.</summary>
internal sealed record EnumMember(string Name, long Value, DocComment? Doc);

/// <summary>A C enum; <paramref name="UnderlyingCSharpType"/> is the integer type clang chose.</summary>
internal sealed record EnumDeclaration(string Name, string UnderlyingCSharpType, IReadOnlyList<EnumMember> Members, DocComment? Doc)
    : Declaration(Name, Doc);

/// <summary>A struct field with clang's offset in bytes.</summary>
internal sealed record FieldDeclaration(string Name, CType Type, long Offset, DocComment? Doc);

/// <summary>A struct with a definition, with clang's size and alignment in bytes.</summary>
internal sealed record StructDeclaration(string Name, IReadOnlyList<FieldDeclaration> Fields, long Size, long Alignment, DocComment? Doc)
    : Declaration(Name, Doc);

/// <summary>A struct declared but not defined in the header (an opaque handle target).</summary>
internal sealed record OpaqueDeclaration(string Name, DocComment? Doc) : Declaration(Name, Doc);

/// <summary>A typedef of a pointer to an opaque struct or to void (e.g. a CUDA stream).</summary>
internal sealed record HandleTypedefDeclaration(string Name, DocComment? Doc) : Declaration(Name, Doc);

/// <summary>A typedef of a function pointer.</summary>
internal sealed record CallbackDeclaration(string Name, FunctionPointerType Signature, DocComment? Doc) : Declaration(Name, Doc);

/// <summary>A function parameter; <paramref name="Name"/> is empty when the header leaves it unnamed.</summary>
internal sealed record ParameterDeclaration(string Name, CType Type);

/// <summary>An exported function.</summary>
internal sealed record FunctionDeclaration(string Name, CType ReturnType, IReadOnlyList<ParameterDeclaration> Parameters, DocComment? Doc)
    : Declaration(Name, Doc);

/// <summary>Everything bindings-gen read from one header, in the header's order.</summary>
internal sealed record HeaderModel(
    IReadOnlyList<ConstantDeclaration> Constants,
    IReadOnlyList<EnumDeclaration> Enums,
    IReadOnlyList<StructDeclaration> Structs,
    IReadOnlyList<OpaqueDeclaration> OpaqueTypes,
    IReadOnlyList<HandleTypedefDeclaration> HandleTypedefs,
    IReadOnlyList<CallbackDeclaration> Callbacks,
    IReadOnlyList<FunctionDeclaration> Functions);
