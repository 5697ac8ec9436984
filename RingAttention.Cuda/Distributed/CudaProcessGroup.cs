using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Distributed;
using RingAttention.Distributed.Coordination;
using RingAttention.Interop;
using static System.FormattableString;

namespace RingAttention.Cuda.Distributed;

/// <summary>
/// This process's place in a multi-process job, one process per GPU: its rank and GPU, read from the launcher's
/// environment (<c>ringattn launch</c>, torchrun, Open MPI, Slurm); the job's coordinator beside NCCL, which hands out
/// rank 0's NCCL unique id and reports dead or failing ranks; the world's NCCL communicator; and a watchdog that stops
/// this rank's NCCL work as soon as any rank fails, so that nothing waits on a dead peer.
/// </summary>
/// <remarks>
/// <para>Every rank calls <see cref="Join(ProcessGroupOptions?)"/>, then <see cref="CreateRingRank"/> with the same
/// problem, runs the rank's calls on its own shard and waits with <see cref="Synchronize"/>, which throws
/// <see cref="RankFailedException"/> naming the rank that failed, on every survivor, within the coordinator's peer
/// timeout whatever the operation timeout is.</para>
/// <para>A job of D × C ranks runs D rings of C ranks: <see cref="ContextParallel"/> splits the world into groups of C
/// consecutive ranks (context parallel innermost, as Megatron orders them, so ring hops stay on one node).</para>
/// </remarks>
public sealed partial class CudaProcessGroup : IDisposable
{
    private readonly RankCoordinator _coordinator;
    private readonly GroupWatchdog _watchdog;
    private readonly ProcessGroupOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<int, NcclCommunicator> _contextParallel = [];
    private readonly Dictionary<int, NcclCommunicator> _dataParallel = [];
    private readonly BorrowedStream _callerStream = new();
    private readonly SafeCudaEventHandle _done;
    private bool _disposed;

    private CudaProcessGroup(ProcessGroupEnvironment environment, RankCoordinator coordinator, NcclCommunicator world, ProcessGroupOptions options, ILogger logger)
    {
        Environment = environment;
        _coordinator = coordinator;
        World = world;
        _options = options;
        _logger = logger;
        _done = CudaCalls.CreateEvent();
        // Our launcher's ranks stop with it, even when it is SIGKILLed and cannot stop them itself.
        int? launcher = environment.Launcher == LauncherKind.RingAttnLaunch ? ParentProcess.Id : null;
        _watchdog = new GroupWatchdog(environment.Rank, coordinator, options.WatchdogInterval, launcher, logger);
        _watchdog.Watch(world);
    }

    /// <summary>Where this process stands in the job, as its launcher described it.</summary>
    public ProcessGroupEnvironment Environment { get; }

    /// <summary>This process's rank in the whole job.</summary>
    public int Rank => Environment.Rank;

    /// <summary>Number of processes in the job.</summary>
    public int WorldSize => Environment.WorldSize;

    /// <summary>This process's CUDA device.</summary>
    public int Device => Environment.Device;

    /// <summary>The NCCL communicator of the whole job.</summary>
    public NcclCommunicator World { get; }

    /// <summary>The first failure seen anywhere in the job, or null while every rank is well.</summary>
    public RankFailure? Failure => _watchdog.Failure;

    /// <summary>Joins the job this process was started in, reading its environment (see <see cref="ProcessGroupEnvironment.FromProcess"/>).</summary>
    /// <exception cref="DistributedSetupException">The environment does not describe a job, or describes it wrongly.</exception>
    /// <exception cref="CoordinatorException">The ranks could not meet: a port in use, a rank that never joined, disagreeing ranks.</exception>
    public static CudaProcessGroup Join() => Join(ProcessGroupEnvironment.FromProcess(), new ProcessGroupOptions());

    /// <summary>As <see cref="Join()"/>, with <paramref name="options"/>.</summary>
    public static CudaProcessGroup Join(ProcessGroupOptions options) => Join(ProcessGroupEnvironment.FromProcess(), options);

    /// <summary>Joins the job <paramref name="environment"/> describes, with the default options.</summary>
    public static CudaProcessGroup Join(ProcessGroupEnvironment environment) => Join(environment, new ProcessGroupOptions());

    /// <summary>Joins the job <paramref name="environment"/> describes: meets the other ranks, then forms the NCCL communicator on this rank's GPU.</summary>
    public static CudaProcessGroup Join(ProcessGroupEnvironment environment, ProcessGroupOptions options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        ILogger logger = loggers.CreateLogger("RingAttention.Cuda.Distributed");
        CheckDevice(environment);
        CudaCalls.SetDevice(environment.Device);
        LogJoining(logger, environment.Rank, environment.WorldSize, environment.Launcher, environment.MasterAddress, environment.MasterPort, environment.Device);

        // Rank 0 makes the NCCL id (NCCL's own bootstrap: rank 0 then hosts its root); the coordinator hands it out.
        byte[] uniqueId = environment.Rank == 0 ? NcclCommunicator.CreateUniqueId() : [];
        CoordinatorOptions coordinatorOptions = options.Coordinator ?? new CoordinatorOptions { JoinTimeout = options.JoinTimeout, LoggerFactory = loggers };
        RankCoordinator coordinator = RankCoordinator.Join(
            environment.Rank, environment.WorldSize, environment.MasterAddress, environment.MasterPort, environment.JobId,
            uniqueId, JobFingerprint(environment), coordinatorOptions);
        NcclCommunicator world;
        try
        {
            world = new NcclCommunicator(coordinator.RootPayload.Span, environment.WorldSize, environment.Rank, environment.Device, options.JoinTimeout);
        }
        catch (Exception e) when (e is RingAttentionNativeException)
        {
            // A peer that died while NCCL was connecting is the cause to report, not the timeout it led to.
            RankFailure? cause = coordinator.Failure;
            if (cause is null)
            {
                coordinator.ReportFailure(Invariant($"rank {environment.Rank}: NCCL could not form the communicator: {e.Message}"));
            }

            coordinator.Dispose();
            throw cause is null ? e : new RankFailedException(cause, e);
        }

        LogJoined(logger, environment.Rank, environment.WorldSize, environment.Device);
        return new CudaProcessGroup(environment, coordinator, world, options, logger);
    }

    /// <summary>
    /// The communicator of this rank's context-parallel group of <paramref name="size"/> consecutive ranks (the world
    /// itself when <paramref name="size"/> is the world size). The first call for a size is a collective over the
    /// whole job: every rank must make it, in the same order.
    /// </summary>
    public NcclCommunicator ContextParallel(int size)
    {
        CheckGroupSize(size, nameof(size));
        return size == WorldSize ? World : Split(_contextParallel, size, color: Rank / size, key: Rank % size);
    }

    /// <summary>
    /// The communicator joining this rank with the ranks at the same place in the other context-parallel groups of
    /// <paramref name="contextParallelSize"/> (data parallelism's all-reduce runs there). A collective like <see cref="ContextParallel"/>.
    /// </summary>
    public NcclCommunicator DataParallel(int contextParallelSize)
    {
        CheckGroupSize(contextParallelSize, nameof(contextParallelSize));
        return Split(_dataParallel, contextParallelSize, color: Rank % contextParallelSize, key: Rank / contextParallelSize);
    }

    /// <summary>
    /// Plans this rank of <paramref name="problem"/> on its context-parallel group of <see cref="RingProblem.RingSize"/>
    /// ranks, after checking that every rank of the group was given the same problem and element type (an all-gather
    /// over NCCL; a mismatch throws <see cref="ProblemMismatchException"/> on every rank, before any exchange).
    /// </summary>
    public CudaRingRank CreateRingRank(RingProblem problem, DeviceElementType elementType, CudaRingOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(problem);
        CudaProblemChecks.Validate(problem, elementType);
        NcclCommunicator group = ContextParallel(problem.RingSize);
        string? mismatch = Guarded(() => CompareProblems(group, problem, elementType));
        if (mismatch is not null)
        {
            throw new ProblemMismatchException(mismatch);
        }

        CudaRingRank rank = Guarded(() => new CudaRingRank(problem, elementType, group, options));

        // The strategies' inner groups and strided rings are communicators split at plan time: the watchdog polls and
        // aborts them like the group's own, so that a failure never leaves a rank waiting inside one of them.
        foreach (NcclCommunicator split in rank.GroupCommunicators)
        {
            _watchdog.Watch(split);
        }

        return rank;
    }

    /// <summary>
    /// Waits until the work enqueued on <paramref name="stream"/> (a cudaStream_t on this rank's device) has finished.
    /// Never blocks inside CUDA or NCCL: throws <see cref="RankFailedException"/> as soon as any rank of the job fails,
    /// and after <see cref="ProcessGroupOptions.OperationTimeout"/>, when it stops the ring and tells every rank.
    /// </summary>
    public void Synchronize(nint stream = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
        using var scope = new DeviceScope(Device);
        CudaCalls.Record(_done, _callerStream.Get(stream));
        bool finished = DeviceWait.Until(_done, () => _watchdog.Failure is not null, _options.OperationTimeout);
        if (!finished && _watchdog.Failure is null)
        {
            _watchdog.Fail(
                new RankFailure(Rank, RankFailureKind.Reported, Invariant($"rank {Rank}: its GPU work did not finish within {_options.OperationTimeout.TotalSeconds:0.###} s (ProcessGroupOptions.OperationTimeout); a peer may be stuck")),
                tellOthers: true);
        }

        // Work that an abort cut short completes too: only a job with no failure has valid results.
        ThrowIfFailed();
    }

    /// <summary>
    /// Leaves the job: after a clean run, flushes and frees the communicators and tells the coordinator this rank is done
    /// (rank 0 waits, bounded, for the others); after a failure, the communicators are already aborted.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _watchdog.Dispose();
        bool clean = _watchdog.Failure is null;
        foreach (NcclCommunicator communicator in _contextParallel.Values.Concat(_dataParallel.Values).Append(World))
        {
            if (clean)
            {
                communicator.Dispose();
            }
            else
            {
                communicator.Abort();
            }
        }

        _callerStream.Dispose();
        _done.Dispose();
        if (clean)
        {
            _coordinator.Leave();
        }

        _coordinator.Dispose();
    }

    private NcclCommunicator Split(Dictionary<int, NcclCommunicator> cache, int size, int color, int key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!cache.TryGetValue(size, out NcclCommunicator? communicator))
        {
            communicator = Guarded(() => World.Split(color, key))
                ?? throw new InvalidOperationException("NCCL left this rank out of its own group.");
            cache[size] = communicator;
            _watchdog.Watch(communicator);
        }

        return communicator;
    }

    private void CheckGroupSize(int size, string name)
    {
        if (size < 1 || WorldSize % size != 0)
        {
            throw new ArgumentOutOfRangeException(name, size, Invariant($"{name} must divide the world size {WorldSize} (the job's ranks split into groups of {name} ranks); got {size}."));
        }
    }

    /// <summary>All-gathers every rank's fingerprint of the problem over <paramref name="group"/>; null when they agree.</summary>
    private unsafe string? CompareProblems(NcclCommunicator group, RingProblem problem, DeviceElementType elementType)
    {
        byte[] mine = ProblemFingerprint.Encode(problem, elementType);
        byte[] gathered = new byte[group.Size * ProblemFingerprint.Bytes];
        // Raw bytes in float32-typed buffers: NCCL moves them as bytes, nothing reads them as floats.
        using DeviceBuffer send = DeviceBuffer.Allocate(ProblemFingerprint.Bytes / sizeof(float), DeviceElementType.Float32, Device);
        using DeviceBuffer receive = DeviceBuffer.Allocate(gathered.Length / sizeof(float), DeviceElementType.Float32, Device);
        using SafeCudaStreamHandle stream = CudaCalls.CreateStream();
        fixed (byte* source = mine)
        {
            CudaCalls.CopyHostToDevice(send.Pointer, source, mine.Length, stream);
            group.AllGather(send.Pointer, receive.Pointer, mine.Length, stream);
            Synchronize(stream.DangerousGetHandle());
        }

        fixed (byte* destination = gathered)
        {
            CudaCalls.CopyDeviceToHost(destination, receive.Pointer, gathered.Length, stream);
            CudaCalls.Synchronize(stream);
        }

        return ProblemFingerprint.Compare(gathered, group.Size);
    }

    private static void CheckDevice(ProcessGroupEnvironment environment)
    {
        int count = NativeRuntime.DeviceCount();
        if (environment.Device >= count)
        {
            throw new DistributedSetupException(Invariant(
                $"rank {environment.Rank} is to run on GPU {environment.Device} (local rank {environment.LocalRank}{(environment.ShareGpu ? ", shared GPU" : string.Empty)}) but this machine shows {count} GPU(s); start at most {count} ranks per node, or set RINGATTN_DEVICE."));
        }
    }

    /// <summary>What every rank's process must agree on before NCCL is touched: the library and the job's size.</summary>
    private static string JobFingerprint(ProcessGroupEnvironment environment)
    {
        string version = typeof(CudaProcessGroup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        NativeVersions native = NativeRuntime.GetVersions();
        return Invariant($"ringattn {version}; shim ABI {native.Abi}; NCCL {native.NcclRuntime}; world {environment.WorldSize}");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "rank {Rank} of {WorldSize} ({Launcher}) joining the coordinator at {Address}:{Port}, GPU {Device}")]
    private static partial void LogJoining(ILogger logger, int rank, int worldSize, LauncherKind launcher, string address, int port, int device);

    [LoggerMessage(Level = LogLevel.Information, Message = "rank {Rank} of {WorldSize} joined on GPU {Device}")]
    private static partial void LogJoined(ILogger logger, int rank, int worldSize, int device);
}
