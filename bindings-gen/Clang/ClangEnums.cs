namespace RingAttention.BindingsGen.Clang;

// Only the enumerators bindings-gen looks at; the values are those of clang-c/Index.h (stable across releases).

/// <summary>clang-c <c>enum CXCursorKind</c> (subset).</summary>
internal enum CXCursorKind
{
    StructDecl = 2,
    UnionDecl = 3,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    FunctionDecl = 8,
    VarDecl = 9,
    ParmDecl = 10,
    TypedefDecl = 20,
    MacroDefinition = 501,
}

/// <summary>clang-c <c>enum CXTypeKind</c> (subset).</summary>
internal enum CXTypeKind
{
    Invalid = 0,
    Unexposed = 1,
    Void = 2,
    Bool = 3,
    CharU = 4,
    UChar = 5,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    CharS = 13,
    SChar = 14,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Float = 21,
    Double = 22,
    Pointer = 101,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionNoProto = 110,
    FunctionProto = 111,
    ConstantArray = 112,
    IncompleteArray = 114,
    Elaborated = 119,
}

/// <summary>clang-c <c>enum CXChildVisitResult</c>.</summary>
internal enum CXChildVisitResult
{
    Break = 0,
    Continue = 1,
    Recurse = 2,
}

/// <summary>clang-c <c>enum CXErrorCode</c>.</summary>
internal enum CXErrorCode
{
    Success = 0,
    Failure = 1,
    Crashed = 2,
    InvalidArguments = 3,
    ASTReadError = 4,
}

/// <summary>clang-c <c>enum CXDiagnosticSeverity</c>.</summary>
internal enum CXDiagnosticSeverity
{
    Ignored = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

/// <summary>clang-c <c>enum CXEvalResultKind</c>.</summary>
internal enum CXEvalResultKind
{
    Int = 1,
    Float = 2,
    ObjCStrLiteral = 3,
    StrLiteral = 4,
    CFStr = 5,
    Other = 6,
    UnExposed = 0,
}

/// <summary>clang-c <c>enum CXTokenKind</c>.</summary>
internal enum CXTokenKind
{
    Punctuation = 0,
    Keyword = 1,
    Identifier = 2,
    Literal = 3,
    Comment = 4,
}

/// <summary>clang-c <c>enum CXTranslationUnit_Flags</c> (subset).</summary>
[Flags]
internal enum CXTranslationUnitFlags
{
    None = 0,
    DetailedPreprocessingRecord = 0x01,
    SkipFunctionBodies = 0x40,
}
