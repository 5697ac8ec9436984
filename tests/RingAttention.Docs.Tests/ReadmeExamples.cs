using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace RingAttention.Docs.Tests;

/// <summary>The ```csharp blocks of the repository's README.md, each a complete console program as a user would paste it.</summary>
internal static partial class ReadmeExamples
{
    /// <summary>The usings a new console project gets (ImplicitUsings), which the examples rely on like a user's project.</summary>
    private const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    private static readonly Lazy<string[]> Blocks = new(() =>
        [.. CSharpBlock().Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"))).Select(m => m.Groups[1].Value)]);

    /// <summary>Every example, numbered from 0 in README order.</summary>
    public static IReadOnlyList<string> All => Blocks.Value;

    /// <summary>Compiles one example as a console program; returns the diagnostics at warning level and above, and the assembly if it built.</summary>
    public static (IReadOnlyList<Diagnostic> Problems, Assembly? Program) Compile(string source)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "ReadmeExample" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(source, parse), CSharpSyntaxTree.ParseText(ImplicitUsings, parse)],
            References(),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        IReadOnlyList<Diagnostic> problems = [.. result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning)];
        return (problems, result.Success ? Assembly.Load(image.ToArray()) : null);
    }

    /// <summary>The framework and every assembly beside the tests (the library and what its packages bring).</summary>
    private static MetadataReference[] References() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
            .GroupBy(Path.GetFileName)
            .Select(g => MetadataReference.CreateFromFile(g.First()))];

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "README.md")) && File.Exists(Path.Combine(directory.FullName, "RingAttention.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
