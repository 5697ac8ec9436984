using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Backends;
using RingAttention.Cli.Commands;
using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Running;

/// <summary>
/// <c>ringattn run</c>: reads Q, K, V (and dO), runs the ring forward (and backward) on full sequences, writes
/// O, LSE (and dQ, dK, dV) and prints one summary line.
/// </summary>
internal static partial class RunJob
{
    /// <summary>Runs <paramref name="request"/>; user errors surface as exceptions that <see cref="ErrorReport"/> maps to exit code 2.</summary>
    public static int Execute(RunRequest request, TextWriter output, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(loggers);
        ILogger logger = loggers.CreateLogger("ringattn.run");

        // Before reading possibly large files: an unusable backend is the first thing to tell the user.
        AttentionBackends.ThrowIfUnavailable(request.Backend);

        InputTensor query = Load(logger, "--q", request.QueryPath);
        InputTensor key = Load(logger, "--k", request.KeyPath);
        InputTensor value = Load(logger, "--v", request.ValuePath);
        InputTensor? outputGradient = request.Gradients is null ? null : Load(logger, "--do", request.Gradients.OutputGradientPath);
        RingProblem problem = RunProblemBuilder.Build(request, query.Info, key.Info, value.Info, outputGradient?.Info);
        LogPlanned(logger, problem.BatchSize, problem.SequenceLength, problem.QueryHeads, problem.KeyValueHeads, problem.HeadDim, problem.RingSize, problem.Mask, problem.Balance, problem.Layout, problem.SoftmaxScale);

        using IAttentionBackend backend = AttentionBackends.Create(request.Backend, problem, loggers, request.Precision);
        var clock = Stopwatch.StartNew();
        AttentionOutput forward = backend.Forward(query.Array.Data, key.Array.Data, value.Array.Data);
        double forwardMs = clock.Elapsed.TotalMilliseconds;

        Write(logger, request.OutputPath, new NpyArray(query.Array.Shape, forward.Output));
        Write(logger, request.LsePath, new NpyArray([problem.BatchSize, problem.QueryHeads, problem.SequenceLength], forward.Lse));

        string backwardText = string.Empty;
        if (request.Gradients is GradientPaths gradients && outputGradient is not null)
        {
            clock.Restart();
            AttentionGradients result = backend.Backward(
                query.Array.Data, key.Array.Data, value.Array.Data, forward.Output, forward.Lse, outputGradient.Array.Data);
            backwardText = Text($", backward {clock.Elapsed.TotalMilliseconds:F1} ms");
            Write(logger, gradients.QueryGradientPath, new NpyArray(query.Array.Shape, result.QueryGradient));
            Write(logger, gradients.KeyGradientPath, new NpyArray(key.Array.Shape, result.KeyGradient));
            Write(logger, gradients.ValueGradientPath, new NpyArray(value.Array.Shape, result.ValueGradient));
        }

        output.WriteLine(Text(
            $"{CliApp.Name}: {backend.Description}, N={problem.RingSize}, mask={CliChoices.NameOf(CliChoices.Masks, problem.Mask)}, balance={CliChoices.NameOf(CliChoices.Balances, problem.Balance)}, Q {query.Array.ShapeText} K/V {key.Array.ShapeText} {CliChoices.NameOf(CliChoices.Layouts, problem.Layout)}, scale {problem.SoftmaxScale:G6}: forward {forwardMs:F1} ms{backwardText}"));
        return ExitCodes.Success;
    }

    private static InputTensor Load(ILogger logger, string option, string path)
    {
        InputTensor tensor = InputTensor.Load(option, path);
        LogRead(logger, tensor.Name, tensor.Array.ShapeText);
        return tensor;
    }

    private static void Write(ILogger logger, string path, NpyArray array)
    {
        NpyWriter.Write(path, array);
        LogWrote(logger, path, array.ShapeText);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "read {Tensor}: shape {Shape}")]
    private static partial void LogRead(ILogger logger, string tensor, string shape);

    [LoggerMessage(Level = LogLevel.Debug, Message = "planned B={Batch} S={Sequence} Hq={QueryHeads} Hkv={KeyValueHeads} D={HeadDim} N={RingSize} mask={Mask} balance={Balance} layout={Layout} scale={Scale}")]
    private static partial void LogPlanned(
        ILogger logger, int batch, int sequence, int queryHeads, int keyValueHeads, int headDim, int ringSize, AttentionMask mask, LoadBalancing balance, TensorLayout layout, float scale);

    [LoggerMessage(Level = LogLevel.Debug, Message = "wrote {Path}: shape {Shape}")]
    private static partial void LogWrote(ILogger logger, string path, string shape);

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
