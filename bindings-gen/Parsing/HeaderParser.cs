using System.Globalization;
using RingAttention.BindingsGen.Clang;
using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Parsing;

/// <summary>
/// Turns one C header into a <see cref="HeaderModel"/> using libclang. Only declarations written in the header
/// itself are read (never those of included system headers). Anything that has no faithful blittable C# mapping
/// (unions, bit-fields, variadic functions, C <c>long</c>) is rejected with a message naming the declaration.
/// </summary>
internal sealed unsafe class HeaderParser
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

    // ---- Named types ---------------------------------------------------------------------------------------

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

    // ---- Declarations --------------------------------------------------------------------------------------

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

    // ---- Types ---------------------------------------------------------------------------------------------

    private CType Resolve(CXType type, string where)
    {
        type = type.WithoutElaboration();
        switch (type.Kind)
        {
            case CXTypeKind.Typedef:
                string typedefName = type.TypedefName();
                if (WellKnownTypedefs.TryGet(typedefName, out CType wellKnown))
                {
                    return wellKnown;
                }

                if (_typedefTypes.TryGetValue(typedefName, out NamedType? named))
                {
                    return named;
                }

                return Resolve(Libclang.clang_getTypedefDeclUnderlyingType(Libclang.clang_getTypeDeclaration(type)), where);
            case CXTypeKind.Record:
            case CXTypeKind.Enum:
                if (_tagTypes.TryGetValue(TagKey(type), out NamedType? tag))
                {
                    return tag;
                }

                throw new HeaderParseException($"{where}: type '{type.Spelling()}' is not declared in the header being bound.");
            case CXTypeKind.Pointer:
                return ResolvePointer(type, where);
            case CXTypeKind.ConstantArray:
                return new ArrayType(Resolve(Libclang.clang_getArrayElementType(type), where), Libclang.clang_getArraySize(type));
            case CXTypeKind.IncompleteArray:
                return new PointerType(Resolve(Libclang.clang_getArrayElementType(type), where), false);
            case CXTypeKind.Void:
                return VoidType.Instance;
            case CXTypeKind.Bool:
                return BoolType.Instance;
            case CXTypeKind.CharS:
            case CXTypeKind.CharU:
            case CXTypeKind.UChar:
                // Plain char is text: UTF-8 bytes, whatever the platform's char signedness.
                return new PrimitiveType("byte", 1);
            case CXTypeKind.SChar:
                return new PrimitiveType("sbyte", 1);
            case CXTypeKind.Short:
                return new PrimitiveType("short", 2);
            case CXTypeKind.UShort:
                return new PrimitiveType("ushort", 2);
            case CXTypeKind.Int:
                return new PrimitiveType("int", 4);
            case CXTypeKind.UInt:
                return new PrimitiveType("uint", 4);
            case CXTypeKind.LongLong:
                return new PrimitiveType("long", 8);
            case CXTypeKind.ULongLong:
                return new PrimitiveType("ulong", 8);
            case CXTypeKind.Float:
                return new PrimitiveType("float", 4);
            case CXTypeKind.Double:
                return new PrimitiveType("double", 8);
            case CXTypeKind.Long:
            case CXTypeKind.ULong:
                throw new HeaderParseException(
                    $"{where}: C '{type.Spelling()}' is 64-bit on Linux but 32-bit on Windows; use int64_t/uint64_t (or int32_t) in the header.");
            default:
                throw new HeaderParseException($"{where}: C type '{type.Spelling()}' ({type.Kind}) has no mapping in bindings-gen.");
        }
    }

    private CType ResolvePointer(CXType pointer, string where)
    {
        CXType pointee = Libclang.clang_getPointeeType(pointer);
        CXType bare = pointee.WithoutElaboration();
        if (bare.Kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto)
        {
            int count = bare.Kind == CXTypeKind.FunctionProto ? Libclang.clang_getNumArgTypes(bare) : 0;
            var parameters = new List<CType>(count);
            for (uint i = 0; i < count; i++)
            {
                parameters.Add(Resolve(Libclang.clang_getArgType(bare, i), $"{where} callback parameter {i}"));
            }

            return new FunctionPointerType(Resolve(Libclang.clang_getResultType(bare), $"{where} callback return"), parameters);
        }

        return new PointerType(Resolve(pointee, where), pointee.IsConst());
    }

    // ---- Macros --------------------------------------------------------------------------------------------

    /// <summary>
    /// An object-like macro with a body that could be an integer constant expression: no string or character
    /// literals, no attributes. Include guards and empty export macros have no body and are skipped here.
    /// </summary>
    private static bool IsConstantCandidate(CXCursor cursor, TranslationUnit unit)
    {
        if (Libclang.clang_Cursor_isMacroFunctionLike(cursor) != 0)
        {
            return false;
        }

        var tokens = cursor.Tokens(unit.Handle);
        if (tokens.Count < 2 || cursor.Spelling().StartsWith("__", StringComparison.Ordinal))
        {
            return false;
        }

        return tokens.Skip(1).All(t =>
            t.Kind is CXTokenKind.Punctuation or CXTokenKind.Identifier or CXTokenKind.Keyword ||
            (t.Kind == CXTokenKind.Literal && !t.Text.Contains('"', StringComparison.Ordinal) && !t.Text.Contains('\'', StringComparison.Ordinal)))
            && !tokens.Any(t => t.Text.StartsWith("__attribute", StringComparison.Ordinal) || t.Text == "__declspec");
    }

    /// <summary>
    /// Lets clang evaluate each candidate macro as C would: the header is re-parsed with one probe variable per
    /// macro appended (<c>static const __typeof__((NAME)) probe = (NAME);</c>), and each probe's initializer is
    /// evaluated. The probe's type gives the C# type, so <c>3u</c> becomes uint and <c>((int32_t)-1)</c> int.
    /// Macros that are not integer constant expressions simply fail to evaluate and are left out.
    /// </summary>
    private List<ConstantDeclaration> EvaluateMacros(List<(string Name, int Line)> candidates)
    {
        var result = new List<ConstantDeclaration>();
        if (candidates.Count == 0)
        {
            return result;
        }

        string[] lines = File.ReadAllLines(_headerPath);
        string probeSource = File.ReadAllText(_headerPath) + "\n" + string.Concat(candidates.Select(c =>
            $"static const __typeof__(({c.Name})) {ProbePrefix}{c.Name} = ({c.Name});\n"));

        using TranslationUnit probe = TranslationUnit.Parse(_headerPath, _arguments, probeSource, throwOnError: false);
        var probes = probe.Cursor.Children()
            .Where(c => c.Kind == CXCursorKind.VarDecl && c.IsFromMainFile())
            .Select(c => (Cursor: c, Name: c.Spelling()))
            .Where(p => p.Name.StartsWith(ProbePrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Name[ProbePrefix.Length..], p => p.Cursor, StringComparer.Ordinal);

        foreach ((string name, int line) in candidates)
        {
            if (probes.TryGetValue(name, out CXCursor cursor) && TryEvaluateInteger(cursor, out string csharpType, out string value))
            {
                result.Add(new ConstantDeclaration(name, csharpType, value, DocComment.Parse(SourceComments.ForMacro(lines, line))));
            }
        }

        return result;
    }

    private static bool TryEvaluateInteger(CXCursor variable, out string csharpType, out string value)
    {
        csharpType = value = string.Empty;
        CXTypeKind kind = Libclang.clang_getCursorType(variable).Canonical().Kind;
        csharpType = kind switch
        {
            CXTypeKind.Int or CXTypeKind.Short or CXTypeKind.SChar or CXTypeKind.CharS or CXTypeKind.UShort or CXTypeKind.UChar or CXTypeKind.CharU => "int",
            CXTypeKind.UInt => "uint",
            CXTypeKind.Long or CXTypeKind.LongLong => "long",
            CXTypeKind.ULong or CXTypeKind.ULongLong => "ulong",
            _ => string.Empty,
        };
        if (csharpType.Length == 0)
        {
            return false;
        }

        void* result = Libclang.clang_Cursor_Evaluate(variable);
        if (result == null)
        {
            return false;
        }

        try
        {
            if (Libclang.clang_EvalResult_getKind(result) != CXEvalResultKind.Int)
            {
                return false;
            }

            value = csharpType is "uint" or "ulong"
                ? Libclang.clang_EvalResult_getAsUnsigned(result).ToString(CultureInfo.InvariantCulture)
                : Libclang.clang_EvalResult_getAsLongLong(result).ToString(CultureInfo.InvariantCulture);
            return true;
        }
        finally
        {
            Libclang.clang_EvalResult_dispose(result);
        }
    }

    private static HeaderParseException Unsupported(CXCursor cursor, string reason) =>
        new($"line {cursor.Line()}: '{cursor.Spelling()}': {reason}.");
}
