using System.Globalization;
using RingAttention.BindingsGen.Clang;
using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Parsing;

/// <summary>Object-like macros that are integer constant expressions, evaluated by clang into constants.</summary>
internal sealed unsafe partial class HeaderParser
{
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
}
