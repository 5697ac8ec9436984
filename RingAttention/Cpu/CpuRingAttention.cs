using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Backends;
using RingAttention.Threading;

namespace RingAttention.Cpu;

/// <summary>
/// The ring on the CPU: N ranks as N concurrent threads, each with its own kernel, element-wise ops and
/// buffers, exchanging K/V and dK/dV like GPUs would. Plan it once per problem; every call after the
/// first reuses the buffers.
/// </summary>
public sealed class CpuRingAttention : IRingAttention
{
    private readonly RingLoop<Memory<float>>[] _ranks;
    private readonly ThreadRingHub _hub;
    private readonly RankThreads _threads;
    private readonly Lock _callGate = new();
    private readonly FullSequenceSharding _sharding;
    private readonly Action<int> _forwardRank;
    private readonly Action<int> _backwardRank;
    private readonly HostShardChecks _checks;

    // The tensors of the call in progress, one bundle per pass, read by the rank threads: cached delegates over
    // fields instead of closures keep a call free of managed allocations.
    private ForwardTensors<IReadOnlyList<float[]>> _forwardCall;
    private BackwardTensors<IReadOnlyList<float[]>> _backwardCall;

    /// <summary>Plans the ring for <paramref name="problem"/>; throws <see cref="ArgumentException"/> if it is invalid.</summary>
    public CpuRingAttention(RingProblem problem, CpuRingOptions? options = null)
        : this(problem, options, kernelFactory: null)
    {
    }

    /// <summary>For tests: lets a rank use another kernel (for instance one that fails).</summary>
    internal CpuRingAttention(RingProblem problem, CpuRingOptions? options, Func<int, IBlockAttentionKernel<Memory<float>>, IBlockAttentionKernel<Memory<float>>>? kernelFactory)
    {
        ArgumentNullException.ThrowIfNull(problem);
        problem.Validate();
        if (problem.Strategy != ContextParallelStrategy.Ring)
        {
            throw new ArgumentException(
                $"The CPU backend runs only Strategy = Ring for now, got {problem.Strategy}.", nameof(problem));
        }

        options ??= new CpuRingOptions();
        Problem = problem;
        _checks = new HostShardChecks(problem);
        _sharding = new FullSequenceSharding(problem);
        _hub = new ThreadRingHub(problem.RingSize, options.ExchangeTimeout);
        _threads = new RankThreads(_hub);
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;

        var geometry = new CpuTensorGeometry(problem);
        _ranks = new RingLoop<Memory<float>>[problem.RingSize];
        for (int rank = 0; rank < problem.RingSize; rank++)
        {
            IBlockAttentionKernel<Memory<float>> kernel = new CpuBlockAttention(geometry);
            if (kernelFactory is not null)
            {
                kernel = kernelFactory(rank, kernel);
            }

            _ranks[rank] = new RingLoop<Memory<float>>(
                problem,
                kernel,
                new ThreadRingTransport(_hub, rank),
                new CpuElementwiseOps(geometry),
                CreateWorkspace(problem),
                loggers.CreateLogger<CpuRingAttention>());
        }

        _forwardRank = rank => _ranks[rank].Forward(_forwardCall.ForRank(rank).Select(AsMemory));
        _backwardRank = rank => _ranks[rank].Backward(_backwardCall.ForRank(rank).Select(AsMemory));
    }

    /// <summary>The planned problem.</summary>
    public RingProblem Problem { get; }

    /// <summary>
    /// Forward on sharded inputs: element r of every list is rank r's tensor, already in the load-balanced
    /// order (<see cref="SequenceReorder"/>). Writes O (Q-shaped) and LSE (fp32 [B, Hq, L]) of every rank.
    /// </summary>
    public void Forward(ForwardTensors<IReadOnlyList<float[]>> shards)
    {
        shards.CheckEach(_checks);
        Run(ref _forwardCall, shards, _forwardRank);
    }

    /// <summary>
    /// Backward on sharded tensors (see <see cref="Forward"/>): from Q, K, V, the forward's O and LSE and the
    /// output gradient dO, writes dQ, dK and dV of every rank.
    /// </summary>
    public void Backward(BackwardTensors<IReadOnlyList<float[]>> shards)
    {
        shards.CheckEach(_checks);
        Run(ref _backwardCall, shards, _backwardRank);
    }

    /// <summary>
    /// Forward on full sequences in natural token order (the problem's layout): shards, runs the ring and
    /// restores natural order. LSE comes back as fp32 [B, Hq, S].
    /// </summary>
    public AttentionOutput ForwardFullSequence(float[] query, float[] key, float[] value)
    {
        _sharding.CheckForwardInputs(query, key, value);
        float[][] output = NewShards(Problem.LocalQueryElements);
        float[][] lse = NewShards(Problem.LocalLseElements);
        // Shards made here from checked inputs: straight to the ranks, not through the caller's checks again.
        Run(ref _forwardCall, new(_sharding.ShardQuery(query), _sharding.ShardKeyValue(key), _sharding.ShardKeyValue(value), output, lse), _forwardRank);
        return new AttentionOutput(_sharding.RestoreQuery(output), _sharding.RestoreLse(lse));
    }

    /// <summary>Backward on full sequences in natural order (see <see cref="ForwardFullSequence"/>).</summary>
    public AttentionGradients BackwardFullSequence(float[] query, float[] key, float[] value, float[] output, float[] lse, float[] outputGradient)
    {
        _sharding.CheckBackwardInputs(query, key, value, output, lse, outputGradient);
        float[][] dq = NewShards(Problem.LocalQueryElements);
        float[][] dk = NewShards(Problem.LocalKeyValueElements);
        float[][] dv = NewShards(Problem.LocalKeyValueElements);
        var shards = new BackwardTensors<IReadOnlyList<float[]>>(
            _sharding.ShardQuery(query), _sharding.ShardKeyValue(key), _sharding.ShardKeyValue(value), _sharding.ShardQuery(output),
            _sharding.ShardLse(lse), _sharding.ShardQuery(outputGradient), dq, dk, dv);
        Run(ref _backwardCall, shards, _backwardRank);
        return new AttentionGradients(_sharding.RestoreQuery(dq), _sharding.RestoreKeyValue(dk), _sharding.RestoreKeyValue(dv));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _threads.Dispose();
        _hub.Dispose();
    }

    /// <summary>
    /// One call at a time per plan (the rank threads and buffers are the plan's): <paramref name="tensors"/> sit in
    /// <paramref name="call"/> while the rank threads run <paramref name="rankBody"/>, and no longer.
    /// </summary>
    private void Run<TTensors>(ref TTensors call, TTensors tensors, Action<int> rankBody)
        where TTensors : struct
    {
        lock (_callGate)
        {
            call = tensors;
            try
            {
                _threads.Run(rankBody);
            }
            finally
            {
                call = default;
            }
        }
    }

    private static RingWorkspace<Memory<float>> CreateWorkspace(RingProblem problem)
    {
        int q = checked((int)problem.LocalQueryElements);
        int kv = checked((int)(2 * problem.LocalKeyValueElements));
        int lse = checked((int)problem.LocalLseElements);

        // A ring of one is a single attention call on the caller's tensors (RingLoop): it needs none of these. The CPU
        // merges each step before the next one starts, so both steps' partials share one set.
        // Packed documents run the loop even on one rank (a block per document), so they need them all.
        bool loop = problem.RingSize > 1 || problem.Documents is not null;
        Memory<float> RingOnly(int elements) => loop ? new float[elements] : Memory<float>.Empty;
        Memory<float> partialQ = RingOnly(q);
        var partials = new StepPartials<Memory<float>>
        {
            Output = partialQ,
            Lse = RingOnly(lse),
            QueryGradient = partialQ,
            KeyValueGradient = RingOnly(kv),
        };
        return new RingWorkspace<Memory<float>>
        {
            OwnKeyValue = RingOnly(kv),
            KeyValueA = RingOnly(kv),
            KeyValueB = RingOnly(kv),
            PartialsA = partials,
            PartialsB = partials,
            OutputAccumulator = RingOnly(q),
            LseAccumulator = RingOnly(lse),
            QueryGradientAccumulator = RingOnly(q),
            OwnKeyValueGradient = RingOnly(kv),
            KeyValueGradientA = RingOnly(kv),
            KeyValueGradientB = RingOnly(kv),
        };
    }

    private static Memory<float> AsMemory(float[] shard) => shard;

    private float[][] NewShards(long elements)
    {
        var shards = new float[Problem.RingSize][];
        for (int r = 0; r < shards.Length; r++)
        {
            shards[r] = new float[elements];
        }

        return shards;
    }
}
