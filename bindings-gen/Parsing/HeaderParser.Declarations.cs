using System.Globalization;
using RingAttention.BindingsGen.Clang;
using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Parsing;

/// <summary>Structs, enums, typedefs and functions, each read into its model declaration or rejected with the reason.</summary>
internal sealed unsafe partial class HeaderParser
{
    private void ReadStruct(CXCursor cursor, string? typedefComment, HashSet<string> emitted, List<StructDeclaration> structs, List<OpaqueDeclaration> opaque)
    {
        CXType type = Libclang.clang_getCursorType(cursor);
        NamedType named = _tagTypes[TagKey(type)];
        long size = Libclang.clang_Type_getSizeOf(type);
        bool isDefinition = size >= 0 && cursor.Children().Any(c => c.Kind == CXCursorKind.FieldDecl);
        if (named.Kind == NamedTypeKind.Opaque)
        {
            if (emitted.Add(named.Name))
            {
                opaque.Add(new OpaqueDeclaration(named.Name, DocComment.Parse(cursor.RawComment() ?? typedefComment)));
            }

            return;
        }

        if (!isDefinition || !emitted.Add(named.Name))
        {
            return; // a forward declaration of a struct defined elsewhere in the header
        }

        if (IsAnonymous(named.Name))
        {
            throw Unsupported(cursor, "an anonymous struct needs a typedef name to be bound");
        }

        var fields = new List<FieldDeclaration>();
        foreach (CXCursor field in cursor.Children())
        {
            if (field.Kind is CXCursorKind.StructDecl or CXCursorKind.UnionDecl or CXCursorKind.EnumDecl)
            {
                throw Unsupported(field, $"nested type declarations inside struct {named.Name} are not supported; declare them at file scope");
            }

            if (field.Kind != CXCursorKind.FieldDecl)
            {
                continue;
            }

            if (Libclang.clang_Cursor_isBitField(field) != 0)
            {
                throw Unsupported(field, $"bit-field {named.Name}.{field.Spelling()} has no blittable C# equivalent");
            }

            fields.Add(new FieldDeclaration(
                field.Spelling(),
                Resolve(Libclang.clang_getCursorType(field), $"{named.Name}.{field.Spelling()}"),
                Libclang.clang_Cursor_getOffsetOfField(field) / 8,
                DocComment.Parse(field.RawComment())));
        }

        structs.Add(new StructDeclaration(named.Name, fields, size, Libclang.clang_Type_getAlignOf(type),
            DocComment.Parse(cursor.RawComment() ?? typedefComment)));
    }

    private void ReadEnum(CXCursor cursor, string? typedefComment, HashSet<string> emitted, List<EnumDeclaration> enums, List<ConstantDeclaration> constants)
    {
        NamedType named = _tagTypes[TagKey(Libclang.clang_getCursorType(cursor))];
        if (!emitted.Add(named.Name + "#enum"))
        {
            return;
        }

        var members = cursor.Children()
            .Where(c => c.Kind == CXCursorKind.EnumConstantDecl)
            .Select(c => new EnumMember(c.Spelling(), Libclang.clang_getEnumConstantDeclValue(c), DocComment.Parse(c.RawComment())))
            .ToList();

        // C99 gives enumeration constants type int, and clang's choice of unsigned int for an enum without negative
        // values is the same size; only values outside int widen the type.
        var clangType = Resolve(Libclang.clang_getEnumDeclIntegerType(cursor), named.Name) as PrimitiveType
            ?? throw Unsupported(cursor, "enum with a non-integer underlying type");
        var underlying = clangType.Size == 4 && members.All(m => m.Value is >= int.MinValue and <= int.MaxValue)
            ? new PrimitiveType("int", 4)
            : clangType;

        if (IsAnonymous(named.Name))
        {
            // "enum { A = 1 };" declares constants, not a type.
            constants.AddRange(members.Select(m => new ConstantDeclaration(
                m.Name, underlying.CSharpName, m.Value.ToString(CultureInfo.InvariantCulture), m.Doc)));
            return;
        }

        enums.Add(new EnumDeclaration(named.Name, underlying.CSharpName, members, DocComment.Parse(cursor.RawComment() ?? typedefComment)));
    }

    private void ReadTypedef(CXCursor cursor, List<HandleTypedefDeclaration> handles, List<CallbackDeclaration> callbacks)
    {
        string name = cursor.Spelling();
        if (!_typedefTypes.TryGetValue(name, out NamedType? named))
        {
            return; // an alias of a primitive, struct or enum: resolved where used
        }

        DocComment? doc = DocComment.Parse(cursor.RawComment());
        if (named.Kind == NamedTypeKind.HandleTypedef)
        {
            handles.Add(new HandleTypedefDeclaration(name, doc));
            return;
        }

        CXType pointer = Libclang.clang_getTypedefDeclUnderlyingType(cursor).WithoutElaboration();
        var signature = (FunctionPointerType)ResolvePointer(pointer, name);
        callbacks.Add(new CallbackDeclaration(name, signature, doc));
    }

    private FunctionDeclaration ReadFunction(CXCursor cursor)
    {
        string name = cursor.Spelling();
        CXType type = Libclang.clang_getCursorType(cursor);
        if (type.Kind == CXTypeKind.FunctionProto && Libclang.clang_isFunctionTypeVariadic(type) != 0)
        {
            throw Unsupported(cursor, $"variadic function {name} cannot be called through LibraryImport");
        }

        int count = Libclang.clang_Cursor_getNumArguments(cursor);
        var parameters = new List<ParameterDeclaration>(Math.Max(count, 0));
        for (uint i = 0; i < count; i++)
        {
            CXCursor parameter = Libclang.clang_Cursor_getArgument(cursor, i);
            parameters.Add(new ParameterDeclaration(parameter.Spelling(),
                Resolve(Libclang.clang_getCursorType(parameter), $"{name} parameter {i}")));
        }

        CType returnType = Resolve(Libclang.clang_getCursorResultType(cursor), $"{name} return");
        return new FunctionDeclaration(name, returnType, parameters, DocComment.Parse(cursor.RawComment()));
    }
}
