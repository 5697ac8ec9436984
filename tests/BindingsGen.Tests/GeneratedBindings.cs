using RingAttention.BindingsGen.Emit;

namespace RingAttention.BindingsGen.Tests;

/// <summary>Runs the generator on a header written to a fresh temporary folder, and gives the files by name.</summary>
internal sealed class GeneratedBindings
{
    private GeneratedBindings(string headerPath, IReadOnlyList<GeneratedFile> files)
    {
        HeaderPath = headerPath;
        Files = files;
    }

    public string HeaderPath { get; }

    public IReadOnlyList<GeneratedFile> Files { get; }

    public string this[string fileName] => Files.Single(f => f.FileName == fileName).Content;

    public static GeneratedBindings FromHeader(string headerText, GeneratorOptions? options = null, string fileName = "test.h")
    {
        string headerPath = WriteHeader(headerText, fileName);
        return new GeneratedBindings(headerPath, Generator.Generate(headerPath, options ?? DefaultOptions));
    }

    public static string WriteHeader(string headerText, string fileName = "test.h")
    {
        string directory = Directory.CreateTempSubdirectory("bindings-gen-test-").FullName;
        string headerPath = Path.Combine(directory, fileName);
        File.WriteAllText(headerPath, headerText);
        return headerPath;
    }

    public static GeneratorOptions DefaultOptions { get; } = new()
    {
        Namespace = "Test.Interop",
        LibraryName = "testlib",
        HeaderDisplayName = "test.h",
    };

    /// <summary>Every line of every file, trimmed, for "this exact line is emitted" assertions.</summary>
    public IReadOnlyList<string> Lines(string fileName) =>
        this[fileName].Split('\n').Select(l => l.Trim()).ToList();
}
