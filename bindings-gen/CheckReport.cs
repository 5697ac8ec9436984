using RingAttention.BindingsGen.Emit;

namespace RingAttention.BindingsGen;

/// <summary>What <c>--check</c> found: each generated file that is missing, different or stale, with the first differing line.</summary>
internal sealed record CheckReport(IReadOnlyList<string> Differences)
{
    public bool UpToDate => Differences.Count == 0;

    /// <summary>Compares what the header generates with the files checked in under <paramref name="directory"/>.</summary>
    public static CheckReport Compare(IReadOnlyList<GeneratedFile> expected, string directory)
    {
        var differences = new List<string>();
        foreach (GeneratedFile file in expected)
        {
            string path = Path.Combine(directory, file.FileName);
            if (!File.Exists(path))
            {
                differences.Add($"missing  {file.FileName}");
                continue;
            }

            string actual = File.ReadAllText(path);
            if (actual != file.Content)
            {
                differences.Add($"modified {file.FileName}: {FirstDifference(file.Content, actual)}");
            }
        }

        var names = expected.Select(f => f.FileName).ToHashSet(StringComparer.Ordinal);
        if (Directory.Exists(directory))
        {
            differences.AddRange(Directory.EnumerateFiles(directory, Generator.GeneratedFilePattern)
                .Select(Path.GetFileName)
                .Where(name => !names.Contains(name!))
                .Order(StringComparer.Ordinal)
                .Select(name => $"stale    {name} (the header no longer produces it)"));
        }

        return new CheckReport(differences);
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] expectedLines = expected.Split('\n');
        string[] actualLines = actual.Split('\n');
        int count = Math.Max(expectedLines.Length, actualLines.Length);
        for (int i = 0; i < count; i++)
        {
            string? e = i < expectedLines.Length ? expectedLines[i] : null;
            string? a = i < actualLines.Length ? actualLines[i] : null;
            if (e != a)
            {
                return $"line {i + 1}\n    generated:  {e?.Trim() ?? "<end of file>"}\n    checked in: {a?.Trim() ?? "<end of file>"}";
            }
        }

        return "line endings or encoding differ";
    }
}
