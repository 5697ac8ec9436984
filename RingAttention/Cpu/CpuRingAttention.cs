using System.Globalization;
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

    // The tensors of the call in progress, read by the rank threads: cached delegates over fields instead of
    // closures keep a call free of managed allocations.
    private RankTensors _call;

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
                Text($"The CPU backend runs only Strategy = Ring for now, got {problem.Strategy}."), nameof(problem));
        }

        options ??= new CpuRingOptions();
        Problem = problem;
        QueryShapeText = Text($"B={problem.BatchSize} x L={problem.LocalLength} x Hq={problem.QueryHeads} x D={problem.HeadDim}");
        KeyValueShapeText = Text($"B={problem.BatchSize} x L={problem.LocalLength} x Hkv={problem.KeyValueHeads} x D={problem.HeadDim}");
        LseShapeText = Text($"B={problem.BatchSize} x Hq={problem.QueryHeads} x L={problem.LocalLength}");
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

        _forwardRank = rank => _ranks[rank].Forward(_call.Query[rank], _call.Key[rank], _call.Value[rank], _call.Output[rank], _call.Lse[rank]);
        _backwardRank = rank => _ranks[rank].Backward(
            _call.Query[rank], _call.Key[rank], _call.Value[rank], _call.Output[rank], _call.Lse[rank], _call.OutputGradient![rank],
            _call.QueryGradient![rank], _call.KeyGradient![rank], _call.ValueGradient![rank]);
    }

    /// <summary>The planned problem.</summary>
    public RingProblem Problem { get; }

    /// <summary>
    /// Forward on sharded inputs: element r of every list is rank r's tensor, already in the load-balanced
    /// order (<see cref="SequenceReorder"/>). Writes O (Q-shaped) and LSE (fp32 [B, Hq, L]) of every rank.
    /// </summary>
    public void Forward(
        IReadOnlyList<float[]> query,
        IReadOnlyList<float[]> key,
        IReadOnlyList<float[]> value,
        IReadOnlyList<float[]> output,
        IReadOnlyList<float[]> lse)
    {
        CheckForwardShards(query, key, value, output, lse);

        Run(_forwardRank, new RankTensors(query, key, value, output, lse));
    }

    /// <summary>
    /// Backward on sharded tensors (see <see cref="Forward"/>): from Q, K, V, the forward's O and LSE and the
    /// output gradient dO, writes dQ, dK and dV of every rank.
    /// </summary>
    public void Backward(
        IReadOnlyList<float[]> query,
        IReadOnlyList<float[]> key,
        IReadOnlyList<float[]> value,
        IReadOnlyList<float[]> output,
        IReadOnlyList<float[]> lse,
        IReadOnlyList<float[]> outputGradient,
        IReadOnlyList<float[]> queryGradient,
        IReadOnlyList<float[]> keyGradient,
        IReadOnlyList<float[]> valueGradient)
    {
        CheckForwardShards(query, key, value, output, lse);
        CheckShards(outputGradient, nameof(outputGradient), Problem.LocalQueryElements, QueryShapeText);
        CheckShards(queryGradient, nameof(queryGradient), Problem.LocalQueryElements, QueryShapeText);
        CheckShards(keyGradient, nameof(keyGradient), Problem.LocalKeyValueElements, KeyValueShapeText);
        CheckShards(valueGradient, nameof(valueGradient), Problem.LocalKeyValueElements, KeyValueShapeText);

        Run(_backwardRank, new RankTensors(query, key, value, output, lse, outputGradient, queryGradient, keyGradient, valueGradient));
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
        Forward(_sharding.ShardQuery(query), _sharding.ShardKeyValue(key), _sharding.ShardKeyValue(value), output, lse);
        return new AttentionOutput(_sharding.RestoreQuery(output), _sharding.RestoreLse(lse));
    }

    /// <summary>Backward on full sequences in natural order (see <see cref="ForwardFullSequence"/>).</summary>
    public AttentionGradients BackwardFullSequence(float[] query, float[] key, float[] value, float[] output, float[] lse, float[] outputGradient)
    {
        _sharding.CheckBackwardInputs(query, key, value, output, lse, outputGradient);
        float[][] dq = NewShards(Problem.LocalQueryElements);
        float[][] dk = NewShards(Problem.LocalKeyValueElements);
        float[][] dv = NewShards(Problem.LocalKeyValueElements);
        Backward(
            _sharding.ShardQuery(query), _sharding.ShardKeyValue(key), _sharding.ShardKeyValue(value), _sharding.ShardQuery(output),
            _sharding.ShardLse(lse), _sharding.ShardQuery(outputGradient), dq, dk, dv);
        return new AttentionGradients(_sharding.RestoreQuery(dq), _sharding.RestoreKeyValue(dk), _sharding.RestoreKeyValue(dv));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _threads.Dispose();
        _hub.Dispose();
    }

    /// <summary>One call at a time per plan: the rank threads and buffers are the plan's.</summary>
    private void Run(Action<int> rankBody, RankTensors tensors)
    {
        lock (_callGate)
        {
            _call = tensors;
            try
            {
                _threads.Run(rankBody);
            }
            finally
            {
                _call = default;
            }
        }
    }

    // The shapes error messages name, written once per plan: formatted per call they were most of a call's allocations.
    private string QueryShapeText { get; }

    private string KeyValueShapeText { get; }

    private string LseShapeText { get; }

    private static RingWorkspace<Memory<float>> CreateWorkspace(RingProblem problem)
    {
        int q = checked((int)problem.LocalQueryElements);
        int kv = checked((int)(2 * problem.LocalKeyValueElements));
        int lse = checked((int)problem.LocalLseElements);

        // A ring of one is a single attention call on the caller's tensors (RingLoop): it needs none of these. The CPU
        // merges each step before the next one starts, so both steps' partials share one set.
        Memory<float> RingOnly(int elements) => problem.RingSize > 1 ? new float[elements] : Memory<float>.Empty;
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

    /// <summary>The checks the forward and the backward share: Q, K, V, O and LSE of every rank.</summary>
    private void CheckForwardShards(
        IReadOnlyList<float[]> query,
        IReadOnlyList<float[]> key,
        IReadOnlyList<float[]> value,
        IReadOnlyList<float[]> output,
        IReadOnlyList<float[]> lse)
    {
        CheckShards(query, nameof(query), Problem.LocalQueryElements, QueryShapeText);
        CheckShards(key, nameof(key), Problem.LocalKeyValueElements, KeyValueShapeText);
        CheckShards(value, nameof(value), Problem.LocalKeyValueElements, KeyValueShapeText);
        CheckShards(output, nameof(output), Problem.LocalQueryElements, QueryShapeText);
        CheckShards(lse, nameof(lse), Problem.LocalLseElements, LseShapeText);
    }

    private void CheckShards(IReadOnlyList<float[]> shards, string name, long elements, string shapeText)
    {
        ArgumentNullException.ThrowIfNull(shards, name);
        if (shards.Count != Problem.RingSize)
        {
            throw new ArgumentException(Text($"{name} has {shards.Count} shards, expected one per rank (RingSize={Problem.RingSize})."), name);
        }

        for (int r = 0; r < shards.Count; r++)
        {
            if (shards[r] is null)
            {
                throw new ArgumentNullException(name, Text($"{name}[{r}] is null."));
            }

            if (shards[r].Length != elements)
            {
                throw new ArgumentException(Text($"{name}[{r}] has {shards[r].Length} elements, expected {elements} ({shapeText})."), name);
            }
        }
    }

    private float[][] NewShards(long elements)
    {
        var shards = new float[Problem.RingSize][];
        for (int r = 0; r < shards.Length; r++)
        {
            shards[r] = new float[elements];
        }

        return shards;
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private readonly record struct RankTensors(
        IReadOnlyList<float[]> Query,
        IReadOnlyList<float[]> Key,
        IReadOnlyList<float[]> Value,
        IReadOnlyList<float[]> Output,
        IReadOnlyList<float[]> Lse,
        IReadOnlyList<float[]>? OutputGradient = null,
        IReadOnlyList<float[]>? QueryGradient = null,
        IReadOnlyList<float[]>? KeyGradient = null,
        IReadOnlyList<float[]>? ValueGradient = null);
}
