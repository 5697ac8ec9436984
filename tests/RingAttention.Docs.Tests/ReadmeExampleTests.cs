using System.Globalization;

namespace RingAttention.Docs.Tests;

/// <summary>The README's examples compile as they are written, and the CPU quick start runs and is right.</summary>
public sealed class ReadmeExampleTests
{
    public static TheoryData<int> Examples()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < ReadmeExamples.All.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void The_readme_has_its_examples()
    {
        // Quick start, GPU, logging, many processes: a lost fence would silently drop one from the test below.
        Assert.True(ReadmeExamples.All.Count >= 4, $"{ReadmeExamples.All.Count} csharp blocks in README.md");
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Each_example_compiles_without_warnings(int index)
    {
        (IReadOnlyList<Microsoft.CodeAnalysis.Diagnostic> problems, _) = ReadmeExamples.Compile(ReadmeExamples.All[index]);
        Assert.True(problems.Count == 0, $"README example {index} does not compile cleanly:\n{string.Join('\n', problems)}\n---\n{ReadmeExamples.All[index]}");
    }

    [Fact]
    public void The_cpu_quick_start_runs_and_matches_float64()
    {
        string example = ReadmeExamples.All.First(e => e.Contains("new CpuRingAttention(problem);", StringComparison.Ordinal));
        (_, System.Reflection.Assembly? program) = ReadmeExamples.Compile(example);
        Assert.NotNull(program);

        var output = new StringWriter(CultureInfo.InvariantCulture);
        TextWriter previous = Console.Out;
        Console.SetOut(output);
        try
        {
            program.EntryPoint!.Invoke(null, [Array.Empty<string>()]);
        }
        finally
        {
            Console.SetOut(previous);
        }

        string line = output.ToString().Trim();
        Assert.StartsWith("O vs float64: ", line, StringComparison.Ordinal);
        double error = double.Parse(line["O vs float64: ".Length..], NumberStyles.Float, CultureInfo.CurrentCulture);
        Assert.InRange(error, 0, 1e-5);
    }
}
