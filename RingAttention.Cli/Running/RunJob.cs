using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Backends;
using RingAttention.Cli.Commands;
using RingAttention.Cli.Npy;
using RingAttention.Cli.Running.Files;

namespace RingAttention.Cli.Running;

/// <summary>
/// <c>ringattn run</c>: checks the outputs, reads Q, K, V (and dO), runs the ring forward (and backward) on full
/// sequences, writes O, LSE (and dQ, dK, dV) all or nothing and prints one summary line.
/// </summary>
internal static partial class RunJob
{
    /// <summary>Runs <paramref name="request"/>; user errors surface as exceptions that <see cref="ErrorReport"/> maps to exit code 2.</summary>
    public static int Execute(RunRequest request, TextWriter output, TextWriter error, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(loggers);
        ILogger logger = loggers.CreateLogger("ringattn.run");

        // Before reading possibly large files: an unusable backend is the first thing to tell the user, then bad outputs.
        AttentionBackends.ThrowIfUnavailable(request.Backend);
        using StagedOutputs outputs = StagedOutputs.Create(request.Inputs, request.Outputs);

        // Headers first: the problem is checked against every shape before any data is read.
        using RunInputs inputs = RunInputs.Open(request);
        // --strategy auto models the GPUs of one node (NVLink); the choice is the same whichever backend runs it.
        RingProblem problem = inputs.BuildProblem(request, LinkKind.NvLink, out StrategyRecommendation? auto);
        if (auto is not null)
        {
            error.WriteLine(StrategyResolver.Notice(auto));
        }

        LogPlanned(logger, problem.BatchSize, problem.SequenceLength, problem.QueryHeads, problem.KeyValueHeads, problem.HeadDim, problem.RingSize, problem.Mask, problem.Balance, problem.Layout, problem.SoftmaxScale);

        // With --check-finite each file is scanned as it is decoded: a NaN stops the run before any compute.
        float[] query = Read(logger, inputs.Query, request.CheckFinite);
        float[] key = Read(logger, inputs.Key, request.CheckFinite);
        float[] value = Read(logger, inputs.Value, request.CheckFinite);
        float[]? outputGradient = inputs.OutputGradient is null ? null : Read(logger, inputs.OutputGradient, request.CheckFinite);

        using IRingAttention backend = AttentionBackends.Create(request.Backend, problem, loggers, request.Precision);
        var clock = Stopwatch.StartNew();
        AttentionOutput forward = backend.ForwardFullSequence(query, key, value);
        double forwardMs = clock.Elapsed.TotalMilliseconds;

        Write(logger, outputs, "--out", new NpyArray(inputs.Query.Header.Shape, forward.Output));
        Write(logger, outputs, "--lse", new NpyArray(RunProblemBuilder.LseShape(problem), forward.Lse));

        string backwardText = string.Empty;
        if (outputGradient is not null)
        {
            clock.Restart();
            AttentionGradients result = backend.BackwardFullSequence(query, key, value, forward.Output, forward.Lse, outputGradient);
            backwardText = Text($", backward {clock.Elapsed.TotalMilliseconds:F1} ms");
            Write(logger, outputs, "--dq", new NpyArray(inputs.Query.Header.Shape, result.QueryGradient));
            Write(logger, outputs, "--dk", new NpyArray(inputs.Key.Header.Shape, result.KeyGradient));
            Write(logger, outputs, "--dv", new NpyArray(inputs.Value.Header.Shape, result.ValueGradient));
        }

        outputs.Commit();
        output.WriteLine(Text(
            $"{CliApp.Name}: {AttentionBackends.Describe(backend)}, N={problem.RingSize}, mask={CliChoices.NameOf(CliChoices.Masks, problem.Mask)}, balance={CliChoices.NameOf(CliChoices.Balances, problem.Balance)}{StrategyText(problem)}, Q {inputs.Query.ShapeText} K/V {inputs.Key.ShapeText} {CliChoices.NameOf(CliChoices.Layouts, problem.Layout)}{DocumentsText(problem)}, scale {problem.SoftmaxScale:G6}: forward {forwardMs:F1} ms{backwardText}"));
        return ExitCodes.Success;
    }

    /// <summary>", strategy=all-to-all" (with ", a2a-size=K" for a2a+ring) for any strategy but the ring, whose summary stays as it was.</summary>
    internal static string StrategyText(RingProblem problem) => problem.Strategy switch
    {
        ContextParallelStrategy.Ring => string.Empty,
        ContextParallelStrategy.AllToAllThenRing => Text($", strategy={StrategyOption.NameOf(problem.Strategy)}, a2a-size={problem.AllToAllSize}"),
        _ => $", strategy={StrategyOption.NameOf(problem.Strategy)}",
    };

    /// <summary>" (4 documents)" after the layout of a packed run; nothing for the other layouts.</summary>
    internal static string DocumentsText(RingProblem problem) =>
        problem.Documents is { } documents ? Text($" ({documents.Count} document{(documents.Count == 1 ? string.Empty : "s")})") : string.Empty;

    private static float[] Read(ILogger logger, NpyMappedFile file, bool checkFinite)
    {
        float[] data = file.ReadAll(checkFinite);
        LogRead(logger, file.Name, file.ShapeText);
        return data;
    }

    private static void Write(ILogger logger, StagedOutputs outputs, string option, NpyArray array)
    {
        outputs.Write(option, array);
        LogWrote(logger, option, array.ShapeText);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "read {Tensor}: shape {Shape}")]
    private static partial void LogRead(ILogger logger, string tensor, string shape);

    [LoggerMessage(Level = LogLevel.Debug, Message = "planned B={Batch} S={Sequence} Hq={QueryHeads} Hkv={KeyValueHeads} D={HeadDim} N={RingSize} mask={Mask} balance={Balance} layout={Layout} scale={Scale}")]
    private static partial void LogPlanned(
        ILogger logger, int batch, int sequence, int queryHeads, int keyValueHeads, int headDim, int ringSize, AttentionMask mask, LoadBalancing balance, TensorLayout layout, float scale);

    [LoggerMessage(Level = LogLevel.Debug, Message = "wrote {Option}: shape {Shape}")]
    private static partial void LogWrote(ILogger logger, string option, string shape);

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
