using RingAttention.BindingsGen.Clang;
using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Parsing;

/// <summary>The first pass: which C# name and kind each struct, enum, handle and callback type of the header gets, before any declaration refers to it.</summary>
internal sealed unsafe partial class HeaderParser
{
    private void RegisterNamedTypes(List<CXCursor> cursors)
    {
        foreach (CXCursor cursor in cursors.Where(c => c.Kind == CXCursorKind.TypedefDecl))
        {
            string name = cursor.Spelling();
            CXType underlying = Libclang.clang_getTypedefDeclUnderlyingType(cursor).WithoutElaboration();
            if (underlying.Kind is CXTypeKind.Record or CXTypeKind.Enum)
            {
                _tagTypedefNames.TryAdd(TagKey(underlying), name);
            }
            else if (underlying.Kind == CXTypeKind.Pointer)
            {
                CXType pointee = Libclang.clang_getPointeeType(underlying).Canonical();
                if (pointee.Kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto)
                {
                    _typedefTypes[name] = new NamedType(name, NamedTypeKind.Callback);
                }
                else if (pointee.Kind == CXTypeKind.Void ||
                         (pointee.Kind == CXTypeKind.Record && Libclang.clang_Type_getSizeOf(pointee) < 0))
                {
                    _typedefTypes[name] = new NamedType(name, NamedTypeKind.HandleTypedef);
                }
            }
        }

        foreach (CXCursor cursor in cursors.Where(c => c.Kind is CXCursorKind.StructDecl or CXCursorKind.EnumDecl))
        {
            CXType type = Libclang.clang_getCursorType(cursor);
            string key = TagKey(type);
            string name = _tagTypedefNames.TryGetValue(key, out string? typedefName) ? typedefName : cursor.Spelling();
            NamedTypeKind kind = cursor.Kind == CXCursorKind.EnumDecl
                ? NamedTypeKind.Enum
                : Libclang.clang_Type_getSizeOf(type) < 0 ? NamedTypeKind.Opaque : NamedTypeKind.Struct;
            if (!_tagTypes.TryGetValue(key, out NamedType? existing) || existing.Kind == NamedTypeKind.Opaque)
            {
                _tagTypes[key] = new NamedType(name, kind);
            }
        }
    }

    /// <summary>Canonical, unqualified spelling of a record or enum type: the key under which it is registered.</summary>
    private static string TagKey(CXType type) =>
        Libclang.clang_getCursorType(Libclang.clang_getTypeDeclaration(type)).Canonical().Spelling();

    private static bool IsAnonymous(string spelling) =>
        spelling.Length == 0 || spelling.Contains("(unnamed", StringComparison.Ordinal) || spelling.Contains("(anonymous", StringComparison.Ordinal);

    /// <summary>
    /// The comment of a <c>typedef struct {...} name;</c> may be attached to the typedef rather than to the struct
    /// (clang attaches it to the first declaration that starts after it), so structs and enums fall back to it.
    /// </summary>
    private static string? NextTypedefComment(List<CXCursor> cursors, int index) =>
        index + 1 < cursors.Count && cursors[index + 1].Kind == CXCursorKind.TypedefDecl ? cursors[index + 1].RawComment() : null;
}
