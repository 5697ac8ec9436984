using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Backends;
using RingAttention.Cli.Commands;
using RingAttention.Cli.Npy;
using RingAttention.Cli.Running.Files;
using RingAttention.Cuda;
using RingAttention.Cuda.Distributed;
using RingAttention.Distributed;
using static System.FormattableString;

namespace RingAttention.Cli.Running.Distributed;

/// <summary>
/// <c>ringattn run --backend cuda --distributed</c>: this process is one rank of a job started by <c>ringattn launch</c>,
/// torchrun, mpirun or srun. It reads only its shard of each input (memory-mapped), runs its rank of the NCCL ring
/// (<see cref="CudaRingRank"/>) on its GPU, and rank 0 gathers every rank's outputs over NCCL, restores natural order and
/// writes the same files, with the same contract, as a single-process run. Other ranks write nothing.
/// </summary>
internal static partial class DistributedRunJob
{
    /// <summary>Runs this rank of <paramref name="request"/>; returns the exit code.</summary>
    public static int Execute(RunRequest request, TimeSpan operationTimeout, TextWriter output, TextWriter error, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(error);
        ILogger logger = loggers.CreateLogger("ringattn.run");
        AttentionBackends.ThrowIfUnavailable(BackendKind.Cuda);
        ProcessGroupEnvironment environment = ProcessGroupEnvironment.FromProcess();
        if (request.RingSize != environment.WorldSize)
        {
            throw new CliUsageException(Invariant(
                $"--cp {request.RingSize} must equal the number of ranks the launcher started (WORLD_SIZE {environment.WorldSize}, {environment.Launcher})"));
        }

        // Every rank checks the outputs, though only rank 0 writes them: bad options then fail every rank alike, at once,
        // instead of rank 0 alone after the whole run. The other ranks' temporary files go when they dispose them.
        bool backward = request.Gradients is not null;
        using StagedOutputs outputs = StagedOutputs.Create(request.Inputs, request.Outputs);
        using RunInputs inputs = RunInputs.Open(request);
        NpyMappedFile query = inputs.Query;
        NpyMappedFile key = inputs.Key;
        NpyMappedFile value = inputs.Value;
        NpyMappedFile? outputGradient = inputs.OutputGradient;
        // --strategy auto: NVLink inside one node, InfiniBand when the job spans nodes; every rank decides alike, rank 0 says it.
        LinkKind link = environment.NodeCount > 1 ? LinkKind.InfiniBand : LinkKind.NvLink;
        RingProblem problem = inputs.BuildProblem(request, link, out StrategyRecommendation? auto);
        if (auto is not null && environment.Rank == 0)
        {
            error.WriteLine(StrategyResolver.Notice(auto));
        }

        DeviceElementType type = CudaElementTypes.ToDeviceType(request.Precision ?? ElementPrecision.BFloat16);

        using var group = CudaProcessGroup.Join(environment, new ProcessGroupOptions { LoggerFactory = loggers, OperationTimeout = operationTimeout });
        int rank = group.Rank;
        bool isRoot = rank == 0;
        using CudaRingRank ring = group.CreateRingRank(problem, type, new CudaRingOptions { LoggerFactory = loggers });
        using var tensors = new RankDeviceTensors(problem, type, group.Device, isRoot, backward);
        NcclCommunicator communicator = group.ContextParallel(problem.RingSize);
        SequenceAxis queryAxis = problem.GlobalQueryShape.SequenceAxis;
        SequenceAxis keyValueAxis = problem.GlobalKeyValueShape.SequenceAxis;

        double forwardMs = 0;
        double backwardMs = 0;
        group.Guarded(() =>
        {
            // Every input before any compute, so a NaN found by --check-finite stops the ring before it starts.
            tensors.Upload(query, queryAxis, problem, rank, tensors.Query, request.CheckFinite);
            tensors.Upload(key, keyValueAxis, problem, rank, tensors.Key, request.CheckFinite);
            tensors.Upload(value, keyValueAxis, problem, rank, tensors.Value, request.CheckFinite);
            if (outputGradient is not null)
            {
                tensors.Upload(outputGradient, queryAxis, problem, rank, tensors.OutputGradient!, request.CheckFinite);
            }

            var clock = Stopwatch.StartNew();
            ring.Forward(tensors.ForwardTensors, tensors.StreamPointer);
            group.Synchronize(tensors.StreamPointer);
            forwardMs = clock.Elapsed.TotalMilliseconds;
            LogStep(logger, rank, "forward", forwardMs);
            Gather(communicator, tensors.Output, tensors.AllOutputs, tensors);
            Gather(communicator, tensors.Lse, tensors.AllLse, tensors);
            if (outputGradient is not null)
            {
                clock.Restart();
                ring.Backward(tensors.BackwardTensors, tensors.StreamPointer);
                group.Synchronize(tensors.StreamPointer);
                backwardMs = clock.Elapsed.TotalMilliseconds;
                LogStep(logger, rank, "backward", backwardMs);
                Gather(communicator, tensors.QueryGradient!, tensors.AllQueryGradients!, tensors);
                Gather(communicator, tensors.KeyGradient!, tensors.AllKeyGradients!, tensors);
                Gather(communicator, tensors.ValueGradient!, tensors.AllValueGradients!, tensors);
            }

            group.Synchronize(tensors.StreamPointer);
        });

        if (isRoot)
        {
            var sharding = new FullSequenceSharding(problem);
            Write(logger, outputs, "--out", new NpyArray(query.Header.Shape, sharding.RestoreQuery(tensors.DownloadShards(tensors.AllOutputs))));
            Write(logger, outputs, "--lse", new NpyArray(RunProblemBuilder.LseShape(problem), sharding.RestoreLse(tensors.DownloadFloatShards(tensors.AllLse))));
            if (backward)
            {
                Write(logger, outputs, "--dq", new NpyArray(query.Header.Shape, sharding.RestoreQuery(tensors.DownloadShards(tensors.AllQueryGradients!))));
                Write(logger, outputs, "--dk", new NpyArray(key.Header.Shape, sharding.RestoreKeyValue(tensors.DownloadShards(tensors.AllKeyGradients!))));
                Write(logger, outputs, "--dv", new NpyArray(value.Header.Shape, sharding.RestoreKeyValue(tensors.DownloadShards(tensors.AllValueGradients!))));
            }

            outputs.Commit();
            string backwardText = backward ? Invariant($", backward {backwardMs:F1} ms") : string.Empty;
            output.WriteLine(Invariant(
                $"{CliApp.Name}: cuda {CliChoices.NameOf(CliChoices.Dtypes, request.Precision ?? ElementPrecision.BFloat16)} ({problem.RingSize} processes, NCCL, {environment.Launcher}), N={problem.RingSize}, mask={CliChoices.NameOf(CliChoices.Masks, problem.Mask)}, balance={CliChoices.NameOf(CliChoices.Balances, problem.Balance)}{RunJob.StrategyText(problem)}, Q {query.ShapeText} K/V {key.ShapeText} {CliChoices.NameOf(CliChoices.Layouts, problem.Layout)}, scale {problem.SoftmaxScale:G6}: forward {forwardMs:F1} ms{backwardText}"));
        }

        return ExitCodes.Success;
    }

    /// <summary>Every rank's <paramref name="local"/> into rank 0's <paramref name="gathered"/>, in rank order.</summary>
    private static void Gather(NcclCommunicator communicator, DeviceBuffer local, DeviceBuffer gathered, RankDeviceTensors tensors) =>
        communicator.Gather(local.Tensor, gathered.Tensor, root: 0, tensors.StreamPointer);

    private static void Write(ILogger logger, StagedOutputs outputs, string option, NpyArray array)
    {
        outputs.Write(option, array);
        LogWrote(logger, option, array.ShapeText);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "rank {Rank}: {Pass} done in {Milliseconds:F1} ms")]
    private static partial void LogStep(ILogger logger, int rank, string pass, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "wrote {Option}: shape {Shape}")]
    private static partial void LogWrote(ILogger logger, string option, string shape);
}
