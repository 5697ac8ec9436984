using RingAttention.BindingsGen.Clang;
using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Parsing;

/// <summary>
/// Turns one C header into a <see cref="HeaderModel"/> using libclang. Only declarations written in the header
/// itself are read (never those of included system headers). Anything that has no faithful blittable C# mapping
/// (unions, bit-fields, variadic functions, C <c>long</c>) is rejected with a message naming the declaration.
/// </summary>
internal sealed unsafe partial class HeaderParser
{
    private const string ProbePrefix = "bindings_gen_probe_";
    private const int StaticStorageClass = 3; // CX_SC_Static

    private readonly string _headerPath;
    private readonly IReadOnlyList<string> _arguments;

    // Records and enums by their canonical C spelling ("struct ringattn_desc"), resolved to the C# name.
    private readonly Dictionary<string, NamedType> _tagTypes = new(StringComparer.Ordinal);

    // Typedefs that become their own C# type (handles, callbacks), by typedef name.
    private readonly Dictionary<string, NamedType> _typedefTypes = new(StringComparer.Ordinal);

    // Typedef names of records and enums ("typedef struct x y;" → y), by canonical spelling.
    private readonly Dictionary<string, string> _tagTypedefNames = new(StringComparer.Ordinal);

    private HeaderParser(string headerPath, IReadOnlyList<string> arguments)
    {
        _headerPath = headerPath;
        _arguments = arguments;
    }

    /// <summary>Parses <paramref name="headerPath"/>; <paramref name="extraClangArguments"/> go after the defaults (e.g. <c>-I</c>).</summary>
    public static HeaderModel Parse(string headerPath, IEnumerable<string>? extraClangArguments = null)
    {
        var parser = new HeaderParser(Path.GetFullPath(headerPath), ClangArguments.Build(extraClangArguments ?? []));
        return parser.Parse();
    }

    private HeaderModel Parse()
    {
        using TranslationUnit unit = TranslationUnit.Parse(_headerPath, _arguments);
        List<CXCursor> cursors = unit.Cursor.Children().Where(c => c.IsFromMainFile()).ToList();

        RegisterNamedTypes(cursors);

        var enums = new List<EnumDeclaration>();
        var structs = new List<StructDeclaration>();
        var opaque = new List<OpaqueDeclaration>();
        var handles = new List<HandleTypedefDeclaration>();
        var callbacks = new List<CallbackDeclaration>();
        var functions = new List<FunctionDeclaration>();
        var constants = new List<ConstantDeclaration>();
        var macroCandidates = new List<(string Name, int Line)>();
        var emittedTags = new HashSet<string>(StringComparer.Ordinal);

        for (int i = 0; i < cursors.Count; i++)
        {
            CXCursor cursor = cursors[i];
            switch (cursor.Kind)
            {
                case CXCursorKind.StructDecl:
                    ReadStruct(cursor, NextTypedefComment(cursors, i), emittedTags, structs, opaque);
                    break;
                case CXCursorKind.UnionDecl:
                    throw Unsupported(cursor, "unions have no blittable sequential C# equivalent; use a struct");
                case CXCursorKind.EnumDecl:
                    ReadEnum(cursor, NextTypedefComment(cursors, i), emittedTags, enums, constants);
                    break;
                case CXCursorKind.TypedefDecl:
                    ReadTypedef(cursor, handles, callbacks);
                    break;
                case CXCursorKind.FunctionDecl:
                    if (Libclang.clang_Cursor_getStorageClass(cursor) != StaticStorageClass)
                    {
                        functions.Add(ReadFunction(cursor));
                    }

                    break;
                case CXCursorKind.MacroDefinition:
                    if (IsConstantCandidate(cursor, unit))
                    {
                        macroCandidates.Add((cursor.Spelling(), cursor.Line()));
                    }

                    break;
            }
        }

        constants.InsertRange(0, EvaluateMacros(macroCandidates));
        return new HeaderModel(constants, enums, structs, opaque, handles, callbacks, functions);
    }

    private static HeaderParseException Unsupported(CXCursor cursor, string reason) =>
        new($"line {cursor.Line()}: '{cursor.Spelling()}': {reason}.");
}
