using System.Runtime.InteropServices;

namespace RingAttention.BindingsGen.Clang;

/// <summary>
/// The slice of libclang's C API (clang-c/Index.h) that bindings-gen needs. "libclang" resolves to the
/// libclang.so that the libclang.runtime.linux-x64 package copies into this tool's output folder.
/// Handles (CXIndex, CXTranslationUnit, CXDiagnostic, CXEvalResult, CXFile) are plain pointers here;
/// the owning wrappers in this folder dispose them.
/// </summary>
internal static unsafe partial class Libclang
{
    private const string Library = "libclang";

    [LibraryImport(Library)]
    public static partial void* clang_createIndex(int excludeDeclarationsFromPCH, int displayDiagnostics);

    [LibraryImport(Library)]
    public static partial void clang_disposeIndex(void* index);

    [LibraryImport(Library)]
    public static partial CXErrorCode clang_parseTranslationUnit2(
        void* index, byte* sourceFilename, byte** commandLineArgs, int numCommandLineArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, CXTranslationUnitFlags options, void** translationUnit);

    [LibraryImport(Library)]
    public static partial void clang_disposeTranslationUnit(void* translationUnit);

    [LibraryImport(Library)]
    public static partial uint clang_getNumDiagnostics(void* translationUnit);

    [LibraryImport(Library)]
    public static partial void* clang_getDiagnostic(void* translationUnit, uint index);

    [LibraryImport(Library)]
    public static partial CXDiagnosticSeverity clang_getDiagnosticSeverity(void* diagnostic);

    [LibraryImport(Library)]
    public static partial CXString clang_formatDiagnostic(void* diagnostic, uint options);

    [LibraryImport(Library)]
    public static partial uint clang_defaultDiagnosticDisplayOptions();

    [LibraryImport(Library)]
    public static partial void clang_disposeDiagnostic(void* diagnostic);

    [LibraryImport(Library)]
    public static partial CXCursor clang_getTranslationUnitCursor(void* translationUnit);

    [LibraryImport(Library)]
    public static partial uint clang_visitChildren(
        CXCursor parent, delegate* unmanaged[Cdecl]<CXCursor, CXCursor, void*, CXChildVisitResult> visitor, void* clientData);

    [LibraryImport(Library)]
    public static partial CXString clang_getCursorSpelling(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXType clang_getCursorType(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXType clang_getCursorResultType(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial long clang_getEnumConstantDeclValue(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial int clang_Cursor_getNumArguments(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);

    [LibraryImport(Library)]
    public static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial uint clang_Cursor_isBitField(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial uint clang_Cursor_isAnonymous(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXString clang_Cursor_getRawCommentText(CXCursor cursor);

    /// <summary>Returns a CX_StorageClass; 3 is CX_SC_Static.</summary>
    [LibraryImport(Library)]
    public static partial int clang_Cursor_getStorageClass(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial int clang_Location_isFromMainFile(CXSourceLocation location);

    [LibraryImport(Library)]
    public static partial void clang_getSpellingLocation(
        CXSourceLocation location, void** file, uint* line, uint* column, uint* offset);

    [LibraryImport(Library)]
    public static partial CXCursor clang_getTypeDeclaration(CXType type);

    [LibraryImport(Library)]
    public static partial void* clang_Cursor_Evaluate(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXEvalResultKind clang_EvalResult_getKind(void* result);

    [LibraryImport(Library)]
    public static partial uint clang_EvalResult_isUnsignedInt(void* result);

    [LibraryImport(Library)]
    public static partial long clang_EvalResult_getAsLongLong(void* result);

    [LibraryImport(Library)]
    public static partial ulong clang_EvalResult_getAsUnsigned(void* result);

    [LibraryImport(Library)]
    public static partial void clang_EvalResult_dispose(void* result);

    [LibraryImport(Library)]
    public static partial void clang_tokenize(void* translationUnit, CXSourceRange range, CXToken** tokens, uint* numTokens);

    [LibraryImport(Library)]
    public static partial CXTokenKind clang_getTokenKind(CXToken token);

    [LibraryImport(Library)]
    public static partial CXString clang_getTokenSpelling(void* translationUnit, CXToken token);

    [LibraryImport(Library)]
    public static partial void clang_disposeTokens(void* translationUnit, CXToken* tokens, uint numTokens);

    [LibraryImport(Library)]
    public static partial CXString clang_getTypeSpelling(CXType type);

    [LibraryImport(Library)]
    public static partial CXString clang_getTypedefName(CXType type);

    [LibraryImport(Library)]
    public static partial CXType clang_getCanonicalType(CXType type);

    [LibraryImport(Library)]
    public static partial CXType clang_getPointeeType(CXType type);

    [LibraryImport(Library)]
    public static partial CXType clang_Type_getNamedType(CXType type);

    [LibraryImport(Library)]
    public static partial uint clang_isConstQualifiedType(CXType type);

    [LibraryImport(Library)]
    public static partial CXType clang_getArrayElementType(CXType type);

    [LibraryImport(Library)]
    public static partial long clang_getArraySize(CXType type);

    [LibraryImport(Library)]
    public static partial long clang_Type_getSizeOf(CXType type);

    [LibraryImport(Library)]
    public static partial long clang_Type_getAlignOf(CXType type);

    [LibraryImport(Library)]
    public static partial long clang_Type_getOffsetOf(CXType type, byte* fieldName);

    [LibraryImport(Library)]
    public static partial CXType clang_getResultType(CXType functionType);

    [LibraryImport(Library)]
    public static partial int clang_getNumArgTypes(CXType functionType);

    [LibraryImport(Library)]
    public static partial CXType clang_getArgType(CXType functionType, uint index);

    [LibraryImport(Library)]
    public static partial uint clang_isFunctionTypeVariadic(CXType functionType);

    [LibraryImport(Library)]
    public static partial byte* clang_getCString(CXString text);

    [LibraryImport(Library)]
    public static partial void clang_disposeString(CXString text);
}
