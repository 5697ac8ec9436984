using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RingAttention.Backends;
using RingAttention.Strategies;

namespace RingAttention;

/// <summary>
/// The ring, written once for every backend: one rank's forward and backward over N steps, against a block
/// attention kernel, a ring transport and element-wise ops. It allocates nothing; the workspace is planned
/// by the backend.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal sealed partial class RingLoop<TTensor> : IRankAttention<TTensor>
{
    private readonly RingProblem _problem;
    private readonly IBlockAttentionKernel<TTensor> _kernel;
    private readonly IRingTransport<TTensor> _transport;
    private readonly IRingElementwiseOps<TTensor> _ops;
    private readonly RingWorkspace<TTensor> _workspace;
    private readonly ILogger _logger;
    private readonly StepTaskTable _tasks;

    /// <summary>Binds one rank's backend pieces to a validated problem.</summary>
    public RingLoop(
        RingProblem problem,
        IBlockAttentionKernel<TTensor> kernel,
        IRingTransport<TTensor> transport,
        IRingElementwiseOps<TTensor> ops,
        RingWorkspace<TTensor> workspace,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(ops);
        ArgumentNullException.ThrowIfNull(workspace);
        problem.Validate();
        if (transport.Size != problem.RingSize)
        {
            throw new ArgumentException(
                $"The transport has {transport.Size} ranks but the problem's RingSize is {problem.RingSize}.", nameof(transport));
        }

        problem.ValidateRank(transport.Rank);
        _problem = problem;
        _kernel = kernel;
        _transport = transport;
        _ops = ops;
        _workspace = workspace;
        _logger = logger ?? NullLogger.Instance;
        _tasks = new StepTaskTable(problem, transport.Rank);
    }

    /// <summary>This loop's rank.</summary>
    public int Rank => _transport.Rank;

    /// <summary>
    /// Forward: O and the fp32 LSE of this rank's queries against the whole (global) sequence.
    /// K/V travels forward (to r+1); at step t the rank holds the block of rank (r - t) mod N.
    /// </summary>
    public void Forward(in ForwardTensors<TTensor> tensors)
    {
        RingWorkspace<TTensor> ws = _workspace;
        int rank = Rank;
        int ringSize = _problem.RingSize;
        var ownBlock = new KeyValuePlanes<TTensor>(tensors.Key, tensors.Value);
        if (ringSize == 1 && _problem.Documents is null)
        {
            // One step covering every row: the kernel reads the caller's K and V and writes O and the LSE in place,
            // exactly one attention call with nothing around it.
            _kernel.Forward(RingSchedule.ForPair(_problem, rank, rank), new(tensors.Query, ownBlock, tensors.Output, tensors.Lse));
            return;
        }

        // Stacked only to travel: step 0 computes on the caller's K and V, so the packing can run beside it.
        _ops.PackKeyValue(tensors.Key, tensors.Value, ws.OwnKeyValue);
        _ops.InitializeOutputAccumulator(ws.OutputAccumulator, ws.LseAccumulator);

        TTensor current = ws.OwnKeyValue;
        for (int step = 0; step < ringSize; step++)
        {
            TTensor next = (step & 1) == 0 ? ws.KeyValueA : ws.KeyValueB;
            bool moreSteps = step + 1 < ringSize;
            if (moreSteps)
            {
                // Post the next block's transfer first so that it runs beside this step's attention.
                _transport.Start(RingChannel.KeyValue, RingDirection.Forward, current, next);
            }

            // A step with no visible key has no task: no kernel call and no merge (the transfer above still runs).
            ReadOnlySpan<BlockTask> tasks = _tasks.For(RingSchedule.ForwardSource(rank, step, ringSize));
            for (int k = 0; k < tasks.Length; k++)
            {
                BlockTask task = tasks[k];
                LogStep(rank, "forward", step, task);
                StepPartials<TTensor> partials = ws.PartialsFor(step);
                _kernel.Forward(task, new(tensors.Query, step == 0 ? ownBlock : _ops.Planes(current), partials.Output, partials.Lse));
                _ops.MergePartialOutput(ws.OutputAccumulator, ws.LseAccumulator, partials.Output, partials.Lse, task.Query);
            }

            if (moreSteps)
            {
                _transport.Wait(RingChannel.KeyValue);
                current = next;
            }
        }

        _ops.FinalizeOutput(ws.OutputAccumulator, ws.LseAccumulator, tensors.Output, tensors.Lse);
    }

    /// <summary>
    /// Backward from the forward's O and LSE: dQ accumulates locally in fp32; K/V travels backward (to r-1) so
    /// that at step t the rank holds the block of rank (r + t) mod N, and each block's dK/dV accumulator follows
    /// it one hop behind, ending at its owner with one last hop (N-1 K/V hops and N-1 dK/dV hops in all).
    /// </summary>
    public void Backward(in BackwardTensors<TTensor> tensors)
    {
        RingWorkspace<TTensor> ws = _workspace;
        int rank = Rank;
        int ringSize = _problem.RingSize;

        var ownBlock = new KeyValuePlanes<TTensor>(tensors.Key, tensors.Value);
        if (ringSize == 1 && _problem.Documents is null)
        {
            // One step: dQ, dK and dV straight into the caller's outputs; nothing to accumulate.
            _kernel.Backward(
                RingSchedule.ForPair(_problem, rank, rank),
                StepTensors(tensors, ownBlock, tensors.QueryGradient, new KeyValuePlanes<TTensor>(tensors.KeyGradient, tensors.ValueGradient)));
            return;
        }

        _ops.PackKeyValue(tensors.Key, tensors.Value, ws.OwnKeyValue);
        _ops.Zero(ws.QueryGradientAccumulator);
        _ops.Zero(ws.OwnKeyValueGradient);

        TTensor current = ws.OwnKeyValue;
        TTensor travelling = ws.KeyValueGradientA; // the accumulator this rank adds to and sends on
        TTensor arriving = ws.KeyValueGradientB;   // where the next rank's accumulator lands
        for (int step = 0; step < ringSize; step++)
        {
            TTensor next = (step & 1) == 0 ? ws.KeyValueA : ws.KeyValueB;
            bool moreSteps = step + 1 < ringSize;
            if (moreSteps)
            {
                _transport.Start(RingChannel.KeyValue, RingDirection.Backward, current, next);
            }

            // Skipped steps (no task) make no kernel call; the K/V and gradient transfers still run.
            ReadOnlySpan<BlockTask> tasks = _tasks.For(RingSchedule.BackwardSource(rank, step, ringSize));
            StepPartials<TTensor> partials = ws.PartialsFor(step);
            KeyValuePlanes<TTensor> block = step == 0 ? ownBlock : _ops.Planes(current);
            BlockTask task = tasks.Length > 0 ? tasks[0] : BlockTask.Skip(0);
            if (!task.IsSkipped)
            {
                LogStep(rank, "backward", step, task);
                _kernel.Backward(task, StepTensors(tensors, block, partials.QueryGradient, _ops.Planes(partials.KeyValueGradient)));
                _ops.AccumulateQueryRows(ws.QueryGradientAccumulator, partials.QueryGradient, task.Query);
            }

            if (step == 0)
            {
                // The diagonal: this rank's own block, whose gradient never leaves.
                if (!task.IsSkipped)
                {
                    _ops.AccumulateKeyValueRows(ws.OwnKeyValueGradient, partials.KeyValueGradient, task.KeyValue);
                }

                BackwardExtraTasks(tasks, tensors, block, partials, ws.OwnKeyValueGradient);
            }
            else
            {
                if (step == 1)
                {
                    _ops.Zero(travelling); // this rank is the first to touch block (r + 1)'s accumulator
                }
                else
                {
                    // Rank r+1 worked on this same block one step ago and sent its accumulator here.
                    _transport.Wait(RingChannel.Gradient);
                    (travelling, arriving) = (arriving, travelling);
                }

                if (!task.IsSkipped)
                {
                    _ops.AccumulateKeyValueRows(travelling, partials.KeyValueGradient, task.KeyValue);
                }

                BackwardExtraTasks(tasks, tensors, block, partials, travelling);

                // To r-1, which holds this block next step; after the last step, r-1 is the block's owner.
                _transport.Start(RingChannel.Gradient, RingDirection.Backward, travelling, arriving);
            }

            if (moreSteps)
            {
                _transport.Wait(RingChannel.KeyValue);
                current = next;
            }
        }

        if (ringSize > 1)
        {
            // The last hop brings the sum of every other rank's contribution to this rank's own block (packed
            // documents run the loop even on a ring of one, whose block never travels).
            _transport.Wait(RingChannel.Gradient);
            _ops.AccumulateKeyValueRows(ws.OwnKeyValueGradient, arriving, RowRange.All(_problem.LocalLength));
        }

        _ops.FinalizeQueryGradient(ws.QueryGradientAccumulator, tensors.QueryGradient);
        _ops.FinalizeKeyValueGradient(ws.OwnKeyValueGradient, tensors.KeyGradient, tensors.ValueGradient);
    }

    /// <summary>One step's kernel tensors: the call's Q, O, dO and LSE against <paramref name="block"/>.</summary>
    private static BlockBackwardTensors<TTensor> StepTensors(
        in BackwardTensors<TTensor> tensors,
        in KeyValuePlanes<TTensor> block,
        TTensor partialQueryGradient,
        in KeyValuePlanes<TTensor> partialKeyValueGradient) =>
        new(tensors.Query, block, tensors.Output, tensors.OutputGradient, tensors.Lse, partialQueryGradient, partialKeyValueGradient);

    /// <summary>
    /// The blocks after the first of a step that a sliding window (dual-chunk) or packed documents split: each one's dQ and dK/dV
    /// rows are added before the next overwrites the partials. The first block runs before the gradient wait, as
    /// in every unwindowed step, so that it still overlaps the transfers.
    /// </summary>
    private void BackwardExtraTasks(
        ReadOnlySpan<BlockTask> tasks, in BackwardTensors<TTensor> tensors, in KeyValuePlanes<TTensor> block, StepPartials<TTensor> partials, TTensor keyValueGradient)
    {
        for (int k = 1; k < tasks.Length; k++)
        {
            BlockTask task = tasks[k];
            _kernel.Backward(task, StepTensors(tensors, block, partials.QueryGradient, _ops.Planes(partials.KeyValueGradient)));
            _ops.AccumulateQueryRows(_workspace.QueryGradientAccumulator, partials.QueryGradient, task.Query);
            _ops.AccumulateKeyValueRows(keyValueGradient, partials.KeyValueGradient, task.KeyValue);
        }
    }

    private void LogStep(int rank, string pass, int step, in BlockTask task)
    {
        if (_logger.IsEnabled(LogLevel.Trace))
        {
            LogRingStep(_logger, rank, pass, step, task);
        }
    }

    [LoggerMessage(Level = LogLevel.Trace, Message = "rank {Rank} {Pass} step {Step}: {Task}")]
    private static partial void LogRingStep(ILogger logger, int rank, string pass, int step, BlockTask task);
}
