using System.Security.Cryptography;
using RingAttention.BindingsGen.Emit;
using RingAttention.BindingsGen.Model;
using RingAttention.BindingsGen.Parsing;

namespace RingAttention.BindingsGen;

/// <summary>Header in, C# files out: parse with libclang, emit, and either write the files or compare them.</summary>
internal static class Generator
{
    public const string GeneratedFilePattern = "*.g.cs";

    /// <summary>Generates the files for <paramref name="headerPath"/> in memory.</summary>
    public static IReadOnlyList<GeneratedFile> Generate(string headerPath, GeneratorOptions options, IEnumerable<string>? clangArguments = null)
    {
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(headerPath)));
        HeaderModel model = HeaderParser.Parse(headerPath, clangArguments);
        return new CSharpEmitter(options).Emit(model, sha256);
    }

    /// <summary>Writes <paramref name="files"/> into <paramref name="directory"/> and deletes generated files that are no longer produced.</summary>
    /// <returns>The names of files written, changed or deleted.</returns>
    public static IReadOnlyList<string> Write(IReadOnlyList<GeneratedFile> files, string directory)
    {
        Directory.CreateDirectory(directory);
        var touched = new List<string>();
        foreach (GeneratedFile file in files)
        {
            string path = Path.Combine(directory, file.FileName);
            if (!File.Exists(path) || File.ReadAllText(path) != file.Content)
            {
                File.WriteAllText(path, file.Content); // UTF-8 without BOM, LF from the emitter
                touched.Add(file.FileName);
            }
        }

        var expected = files.Select(f => f.FileName).ToHashSet(StringComparer.Ordinal);
        foreach (string stale in Directory.EnumerateFiles(directory, GeneratedFilePattern).Where(p => !expected.Contains(Path.GetFileName(p))).Order(StringComparer.Ordinal))
        {
            File.Delete(stale);
            touched.Add(Path.GetFileName(stale) + " (deleted)");
        }

        return touched;
    }
}
