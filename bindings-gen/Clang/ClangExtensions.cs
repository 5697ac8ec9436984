using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RingAttention.BindingsGen.Clang;

/// <summary>Managed conveniences over <see cref="Libclang"/>: strings copied out and disposed, children as lists.</summary>
internal static unsafe class ClangExtensions
{
    /// <summary>Copies a <see cref="CXString"/> into a managed string and disposes the native one.</summary>
    public static string ToManagedAndDispose(this CXString text)
    {
        try
        {
            return Marshal.PtrToStringUTF8((nint)Libclang.clang_getCString(text)) ?? string.Empty;
        }
        finally
        {
            Libclang.clang_disposeString(text);
        }
    }

    public static string Spelling(this CXCursor cursor) => Libclang.clang_getCursorSpelling(cursor).ToManagedAndDispose();

    public static string Spelling(this CXType type) => Libclang.clang_getTypeSpelling(type).ToManagedAndDispose();

    public static string TypedefName(this CXType type) => Libclang.clang_getTypedefName(type).ToManagedAndDispose();

    public static string? RawComment(this CXCursor cursor)
    {
        string text = Libclang.clang_Cursor_getRawCommentText(cursor).ToManagedAndDispose();
        return text.Length == 0 ? null : text;
    }

    public static bool IsFromMainFile(this CXCursor cursor) =>
        Libclang.clang_Location_isFromMainFile(Libclang.clang_getCursorLocation(cursor)) != 0;

    /// <summary>1-based line of the cursor's spelling location.</summary>
    public static int Line(this CXCursor cursor)
    {
        uint line;
        Libclang.clang_getSpellingLocation(Libclang.clang_getCursorLocation(cursor), null, &line, null, null);
        return (int)line;
    }

    /// <summary>
    /// Removes the sugar that clang 16+ wraps around every named type reference (<c>ElaboratedType</c>) so that
    /// typedef names such as <c>int64_t</c> stay visible as <see cref="CXTypeKind.Typedef"/>.
    /// </summary>
    public static CXType WithoutElaboration(this CXType type) =>
        type.Kind == CXTypeKind.Elaborated ? Libclang.clang_Type_getNamedType(type) : type;

    public static CXType Canonical(this CXType type) => Libclang.clang_getCanonicalType(type);

    public static bool IsConst(this CXType type) => Libclang.clang_isConstQualifiedType(type) != 0;

    /// <summary>The direct children of <paramref name="parent"/>, in source order.</summary>
    public static List<CXCursor> Children(this CXCursor parent)
    {
        var children = new List<CXCursor>();
        GCHandle handle = GCHandle.Alloc(children);
        try
        {
            // The return value only says whether the visitor broke off early, which CollectChild never does.
            _ = Libclang.clang_visitChildren(parent, &CollectChild, (void*)GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return children;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static CXChildVisitResult CollectChild(CXCursor cursor, CXCursor parent, void* clientData)
    {
        // Never let an exception cross back into libclang: it would terminate the process.
        try
        {
            var children = (List<CXCursor>)GCHandle.FromIntPtr((nint)clientData).Target!;
            children.Add(cursor);
            return CXChildVisitResult.Continue;
        }
        catch (InvalidCastException)
        {
            return CXChildVisitResult.Break;
        }
    }

    /// <summary>The spellings and kinds of the tokens covering <paramref name="cursor"/>'s extent.</summary>
    public static List<(CXTokenKind Kind, string Text)> Tokens(this CXCursor cursor, void* translationUnit)
    {
        CXToken* tokens = null;
        uint count = 0;
        Libclang.clang_tokenize(translationUnit, Libclang.clang_getCursorExtent(cursor), &tokens, &count);
        var result = new List<(CXTokenKind, string)>((int)count);
        try
        {
            for (uint i = 0; i < count; i++)
            {
                result.Add((Libclang.clang_getTokenKind(tokens[i]),
                    Libclang.clang_getTokenSpelling(translationUnit, tokens[i]).ToManagedAndDispose()));
            }
        }
        finally
        {
            if (tokens != null)
            {
                Libclang.clang_disposeTokens(translationUnit, tokens, count);
            }
        }

        return result;
    }
}
