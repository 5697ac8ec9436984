using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Running.Files;

/// <summary>
/// The input files of one <c>ringattn run</c>, opened: headers read and checked, data memory-mapped, nothing of it read
/// yet, so the problem can be checked against every shape before any data is touched.
/// </summary>
internal sealed class RunInputs : IDisposable
{
    private readonly List<NpyMappedFile> _opened = [];

    private RunInputs(RunRequest request)
    {
        IReadOnlyList<FileOption> inputs = request.Inputs;
        Query = Open(inputs[0]);
        Key = Open(inputs[1]);
        Value = Open(inputs[2]);
        OutputGradient = inputs.Count > 3 ? Open(inputs[3]) : null;
    }

    /// <summary>--q.</summary>
    public NpyMappedFile Query { get; }

    /// <summary>--k.</summary>
    public NpyMappedFile Key { get; }

    /// <summary>--v.</summary>
    public NpyMappedFile Value { get; }

    /// <summary>--do; null for a forward-only run.</summary>
    public NpyMappedFile? OutputGradient { get; }

    /// <summary>Opens every input of <paramref name="request"/>; errors name the option and path.</summary>
    /// <exception cref="CliUsageException">A file does not exist.</exception>
    /// <exception cref="NpyFormatException">A file is not a supported .npy file.</exception>
    public static RunInputs Open(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new RunInputs(request);
    }

    /// <summary>
    /// The problem the files' shapes and the options describe, with its strategy (<paramref name="auto"/>: the heuristic's
    /// choice for <paramref name="link"/> under --strategy auto); see <see cref="RunProblemBuilder"/>.
    /// </summary>
    public RingProblem BuildProblem(RunRequest request, LinkKind link, out StrategyRecommendation? auto) =>
        RunProblemBuilder.Build(request, Info(Query), Info(Key), Info(Value), OutputGradient is null ? null : Info(OutputGradient), link, out auto);

    public void Dispose()
    {
        foreach (NpyMappedFile file in _opened)
        {
            file.Dispose();
        }
    }

    private static TensorInfo Info(NpyMappedFile file) => new(file.Name, file.Header.Shape);

    private NpyMappedFile Open(FileOption input)
    {
        if (!File.Exists(input.Path))
        {
            Dispose();
            throw new CliUsageException($"{input.Name}: no such file");
        }

        try
        {
            NpyMappedFile file = NpyMappedFile.Open(input.Path, input.Name);
            _opened.Add(file);
            return file;
        }
        catch
        {
            // The constructor throws: nobody else will dispose what was opened before.
            Dispose();
            throw;
        }
    }
}
