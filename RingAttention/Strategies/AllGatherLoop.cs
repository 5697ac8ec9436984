using RingAttention.Backends;

namespace RingAttention.Strategies;

/// <summary>
/// The all-gather strategy for one rank (strategies.md §1): gather every rank's stacked K|V once, then run the ring's
/// own block tasks (<see cref="StepTaskTable"/>: one sequence's, or every packed document's) against the gathered
/// blocks and merge them by LSE, as the ring would, only without waiting for each block to arrive. The backward
/// gathers again (the API is stateless), accumulates dK|dV per source block in fp32 and reduce-scatters them to their
/// owners.
/// </summary>
/// <remarks>
/// The ring's tasks rather than TE's one call per chunk prefix: they already express every balancing (striped with a
/// causal mask too, which no single band can), every window and skipped blocks; they need no reorder copy and no
/// S-long K/V geometry in the kernels; and on the H200 the ring's block kernels were measured faster than the prefix
/// calls (issue 16: 3.31 vs 3.53 ms forward, 9.75 vs 10.93 ms backward per rank at N = 8, S = 64K).
/// </remarks>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal sealed class AllGatherLoop<TTensor> : IRankAttention<TTensor>
{
    private readonly RingProblem _problem;
    private readonly int _rank;
    private readonly IBlockAttentionKernel<TTensor> _kernel;
    private readonly IRingElementwiseOps<TTensor> _ops;
    private readonly ICollectiveTransport<TTensor> _collectives;
    private readonly Workspace? _workspace;
    private readonly StepTaskTable _tasks;

    /// <summary>Binds one rank's backend pieces to <paramref name="problem"/> and plans its buffers once.</summary>
    public AllGatherLoop(RingProblem problem, IStrategyBackend<TTensor> backend)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(backend);
        problem.Validate();
        problem.ValidateRank(backend.Rank);
        _problem = problem;
        _rank = backend.Rank;
        _kernel = backend.CreateKernel(problem);
        _ops = backend.CreateOps(problem);
        _collectives = backend.CreateCollectives(RankGroup.All(problem.RingSize));
        _tasks = new StepTaskTable(problem, _rank);

        // A job of one rank is one kernel call on the caller's tensors, as in the ring: no buffer at all. Packed
        // documents need a block per document even then.
        _workspace = problem.RingSize > 1 || problem.Documents is not null ? new Workspace(problem, backend, _ops) : null;
    }

    /// <inheritdoc />
    public void Forward(in ForwardTensors<TTensor> tensors)
    {
        var own = new KeyValuePlanes<TTensor>(tensors.Key, tensors.Value);
        if (_workspace is not Workspace ws)
        {
            _kernel.Forward(RingSchedule.ForPair(_problem, _rank, _rank), new(tensors.Query, own, tensors.Output, tensors.Lse));
            return;
        }

        _ops.PackKeyValue(tensors.Key, tensors.Value, ws.OwnKeyValue);
        _collectives.AllGather(ws.OwnKeyValue, ws.Gathered);
        _ops.InitializeOutputAccumulator(ws.OutputAccumulator, ws.LseAccumulator);
        int n = _problem.RingSize;
        for (int step = 0; step < n; step++)
        {
            // The ring's order, own block first: a later version can start on it before the gather completes.
            int source = RingSchedule.ForwardSource(_rank, step, n);
            KeyValuePlanes<TTensor> block = source == _rank ? own : ws.Blocks[source];
            ReadOnlySpan<BlockTask> tasks = _tasks.For(source);
            for (int k = 0; k < tasks.Length; k++)
            {
                BlockTask task = tasks[k];
                _kernel.Forward(task, new(tensors.Query, block, ws.Partials.Output, ws.Partials.Lse));
                _ops.MergePartialOutput(ws.OutputAccumulator, ws.LseAccumulator, ws.Partials.Output, ws.Partials.Lse, task.Query);
            }
        }

        _ops.FinalizeOutput(ws.OutputAccumulator, ws.LseAccumulator, tensors.Output, tensors.Lse);
    }

    /// <inheritdoc />
    public void Backward(in BackwardTensors<TTensor> tensors)
    {
        var own = new KeyValuePlanes<TTensor>(tensors.Key, tensors.Value);
        if (_workspace is not Workspace ws)
        {
            var gradients = new KeyValuePlanes<TTensor>(tensors.KeyGradient, tensors.ValueGradient);
            _kernel.Backward(RingSchedule.ForPair(_problem, _rank, _rank), StepTensors(tensors, own, tensors.QueryGradient, gradients));
            return;
        }

        _ops.PackKeyValue(tensors.Key, tensors.Value, ws.OwnKeyValue);
        _collectives.AllGather(ws.OwnKeyValue, ws.Gathered);
        _ops.Zero(ws.QueryGradientAccumulator);
        foreach (TTensor gradientBlock in ws.GradientBlocks)
        {
            _ops.Zero(gradientBlock); // block by block: each is the stacked dK|dV the ops know
        }

        KeyValuePlanes<TTensor> partialKeyValue = _ops.Planes(ws.Partials.KeyValueGradient);
        int n = _problem.RingSize;
        for (int step = 0; step < n; step++)
        {
            int source = RingSchedule.BackwardSource(_rank, step, n);
            KeyValuePlanes<TTensor> block = source == _rank ? own : ws.Blocks[source];
            ReadOnlySpan<BlockTask> tasks = _tasks.For(source);
            for (int k = 0; k < tasks.Length; k++)
            {
                BlockTask task = tasks[k];
                _kernel.Backward(task, StepTensors(tensors, block, ws.Partials.QueryGradient, partialKeyValue));
                _ops.AccumulateQueryRows(ws.QueryGradientAccumulator, ws.Partials.QueryGradient, task.Query);
                _ops.AccumulateKeyValueRows(ws.GradientBlocks[source], ws.Partials.KeyValueGradient, task.KeyValue);
            }
        }

        // Block s of every rank's accumulator goes to rank s, summed: this rank's own dK|dV.
        _collectives.ReduceScatterSum(ws.KeyValueGradients, ws.OwnKeyValueGradient);
        _ops.FinalizeQueryGradient(ws.QueryGradientAccumulator, tensors.QueryGradient);
        _ops.FinalizeKeyValueGradient(ws.OwnKeyValueGradient, tensors.KeyGradient, tensors.ValueGradient);
    }

    private static BlockBackwardTensors<TTensor> StepTensors(
        in BackwardTensors<TTensor> tensors, in KeyValuePlanes<TTensor> block, TTensor partialQueryGradient, in KeyValuePlanes<TTensor> partialKeyValueGradient) =>
        new(tensors.Query, block, tensors.Output, tensors.OutputGradient, tensors.Lse, partialQueryGradient, partialKeyValueGradient);

    /// <summary>Every buffer of one rank's all-gather, and the views of each gathered block, planned once.</summary>
    private sealed class Workspace
    {
        public Workspace(RingProblem problem, IStrategyBackend<TTensor> backend, IRingElementwiseOps<TTensor> ops)
        {
            int n = problem.RingSize;
            long block = 2 * problem.LocalKeyValueElements;
            OwnKeyValue = backend.Allocate(block, BufferElement.Compute);
            Gathered = backend.Allocate(n * block, BufferElement.Compute);
            OutputAccumulator = backend.Allocate(problem.LocalQueryElements, BufferElement.Float32);
            LseAccumulator = backend.Allocate(problem.LocalLseElements, BufferElement.Float32);
            QueryGradientAccumulator = backend.Allocate(problem.LocalQueryElements, BufferElement.Float32);
            KeyValueGradients = backend.Allocate(n * block, BufferElement.Float32);
            OwnKeyValueGradient = backend.Allocate(block, BufferElement.Float32);

            // The forward's O and the backward's dQ never live at once: one Q-shaped partial serves both.
            TTensor partialQuery = backend.Allocate(problem.LocalQueryElements, BufferElement.Compute);
            Partials = new StepPartials<TTensor>
            {
                Output = partialQuery,
                Lse = backend.Allocate(problem.LocalLseElements, BufferElement.Float32),
                QueryGradient = partialQuery,
                KeyValueGradient = backend.Allocate(block, BufferElement.Compute),
            };
            Blocks = new KeyValuePlanes<TTensor>[n];
            GradientBlocks = new TTensor[n];
            for (int s = 0; s < n; s++)
            {
                Blocks[s] = ops.Planes(backend.RegionOps.Slice(Gathered, s * block, block));
                GradientBlocks[s] = backend.RegionOps.Slice(KeyValueGradients, s * block, block);
            }
        }

        /// <summary>This rank's stacked K|V: what it contributes to the gather.</summary>
        public TTensor OwnKeyValue { get; }

        /// <summary>N stacked K|V blocks in rank order (block s from rank s).</summary>
        public TTensor Gathered { get; }

        /// <summary>The planes of each gathered block.</summary>
        public KeyValuePlanes<TTensor>[] Blocks { get; }

        public TTensor OutputAccumulator { get; }

        public TTensor LseAccumulator { get; }

        public TTensor QueryGradientAccumulator { get; }

        /// <summary>fp32 dK|dV of every source block, N blocks in rank order: what the reduce-scatter sums.</summary>
        public TTensor KeyValueGradients { get; }

        /// <summary>Block s of <see cref="KeyValueGradients"/>.</summary>
        public TTensor[] GradientBlocks { get; }

        /// <summary>fp32 dK|dV of this rank's own block after the reduce-scatter.</summary>
        public TTensor OwnKeyValueGradient { get; }

        public StepPartials<TTensor> Partials { get; }
    }
}
