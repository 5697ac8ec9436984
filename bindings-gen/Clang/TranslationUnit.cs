using System.Runtime.InteropServices;
using System.Text;

namespace RingAttention.BindingsGen.Clang;

/// <summary>
/// A parsed C file: owns the CXIndex and CXTranslationUnit and disposes both. Parsing fails with
/// <see cref="HeaderParseException"/> carrying clang's own diagnostics when any error is reported.
/// </summary>
internal sealed unsafe class TranslationUnit : IDisposable
{
    private void* _index;
    private void* _unit;

    private TranslationUnit(void* index, void* unit)
    {
        _index = index;
        _unit = unit;
    }

    /// <summary>The native CXTranslationUnit, for calls that need it (tokenizing).</summary>
    public void* Handle => _unit;

    public CXCursor Cursor => Libclang.clang_getTranslationUnitCursor(_unit);

    /// <summary>Diagnostics of warning severity or above, formatted by clang.</summary>
    public IReadOnlyList<(CXDiagnosticSeverity Severity, string Text)> Diagnostics { get; private set; } = [];

    /// <summary>
    /// Parses <paramref name="path"/> as C. <paramref name="unsavedContents"/>, when given, replaces the file's
    /// contents on disk (used to evaluate macros without writing temporary files).
    /// </summary>
    public static TranslationUnit Parse(string path, IReadOnlyList<string> arguments, string? unsavedContents = null, bool throwOnError = true)
    {
        void* index = Libclang.clang_createIndex(0, 0);
        var allocations = new List<nint>();
        try
        {
            byte* Utf8(string s)
            {
                nint p = Marshal.StringToCoTaskMemUTF8(s);
                allocations.Add(p);
                return (byte*)p;
            }

            byte** argv = stackalloc byte*[arguments.Count];
            for (int i = 0; i < arguments.Count; i++)
            {
                argv[i] = Utf8(arguments[i]);
            }

            CXUnsavedFile unsaved = default;
            uint unsavedCount = 0;
            if (unsavedContents is not null)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(unsavedContents);
                nint contents = Marshal.AllocCoTaskMem(bytes.Length + 1);
                allocations.Add(contents);
                Marshal.Copy(bytes, 0, contents, bytes.Length);
                ((byte*)contents)[bytes.Length] = 0;
                unsaved = new CXUnsavedFile { Filename = Utf8(path), Contents = (byte*)contents, Length = (nuint)bytes.Length };
                unsavedCount = 1;
            }

            void* unit;
            CXErrorCode status = Libclang.clang_parseTranslationUnit2(
                index, Utf8(path), argv, arguments.Count, &unsaved, unsavedCount,
                CXTranslationUnitFlags.DetailedPreprocessingRecord | CXTranslationUnitFlags.SkipFunctionBodies, &unit);
            if (status != CXErrorCode.Success)
            {
                throw new HeaderParseException($"libclang could not parse '{path}': {status} (arguments: {string.Join(' ', arguments)}).");
            }

            var result = new TranslationUnit(index, unit);
            index = null;
            result.Diagnostics = result.ReadDiagnostics();
            if (throwOnError && result.Diagnostics.Any(d => d.Severity >= CXDiagnosticSeverity.Error))
            {
                string text = string.Join('\n', result.Diagnostics.Select(d => d.Text));
                result.Dispose();
                throw new HeaderParseException($"clang reported errors in '{path}':\n{text}");
            }

            return result;
        }
        finally
        {
            foreach (nint p in allocations)
            {
                Marshal.FreeCoTaskMem(p);
            }

            if (index != null)
            {
                Libclang.clang_disposeIndex(index);
            }
        }
    }

    private List<(CXDiagnosticSeverity, string)> ReadDiagnostics()
    {
        var result = new List<(CXDiagnosticSeverity, string)>();
        uint count = Libclang.clang_getNumDiagnostics(_unit);
        for (uint i = 0; i < count; i++)
        {
            void* diagnostic = Libclang.clang_getDiagnostic(_unit, i);
            try
            {
                CXDiagnosticSeverity severity = Libclang.clang_getDiagnosticSeverity(diagnostic);
                if (severity >= CXDiagnosticSeverity.Warning)
                {
                    string text = Libclang.clang_formatDiagnostic(diagnostic, Libclang.clang_defaultDiagnosticDisplayOptions()).ToManagedAndDispose();
                    result.Add((severity, text));
                }
            }
            finally
            {
                Libclang.clang_disposeDiagnostic(diagnostic);
            }
        }

        return result;
    }

    public void Dispose()
    {
        if (_unit != null)
        {
            Libclang.clang_disposeTranslationUnit(_unit);
            _unit = null;
        }

        if (_index != null)
        {
            Libclang.clang_disposeIndex(_index);
            _index = null;
        }
    }
}
