using Microsoft.Extensions.Logging;
using RingAttention.Backends;

namespace RingAttention.Strategies;

/// <summary>
/// All-to-all (Ulysses) and all-to-all then ring for one rank (strategies.md §2, §3): the inner group of Na ranks
/// trades sequence shards for head shards, an inner <see cref="RingLoop{TTensor}"/> solves
/// <see cref="HierarchicalLayout.SubProblem"/> over the strided ring (a ring of one for AllToAll: one kernel call, no
/// ring traffic), and the results travel back to sequence shards. The sub-problem keeps the mask, the window and the
/// original positions, so windows and every balancing the layout allows work unchanged.
/// </summary>
/// <remarks>
/// The API is stateless, so the backward exchanges its inputs again (Q, K, V, O, dO and the LSE) where TE keeps the
/// post-exchange tensors from the forward: 3·Qs + 2·(Ks + Vs)-ish more volume per backward than TE, the price of not
/// holding S-long activations between calls. The LSE leaves and enters in the sequence-shard layout [B, Hq, L].
/// Replicated KV heads (Hkv &lt; Na) come back as one dK/dV per replica, summed in fp32 then cast.
/// </remarks>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
internal sealed class HeadExchangeLoop<TTensor> : IRankAttention<TTensor>
{
    private static readonly ExchangedTensor[] ForwardInputs = [ExchangedTensor.Query, ExchangedTensor.KeyValue, ExchangedTensor.KeyValue];
    private static readonly ExchangedTensor[] BackwardInputs =
        [ExchangedTensor.Query, ExchangedTensor.KeyValue, ExchangedTensor.KeyValue, ExchangedTensor.Query, ExchangedTensor.Query];

    private static readonly ExchangedTensor[] QueryOnly = [ExchangedTensor.Query];
    private static readonly ExchangedTensor[] LseOnly = [ExchangedTensor.Lse];

    private readonly HeadExchangePlan _plan;
    private readonly RingLoop<TTensor> _inner;
    private readonly SubTensors _sub;
    private readonly HeadExchange<TTensor> _forwardIn;
    private readonly HeadExchange<TTensor> _outputBack;
    private readonly HeadExchange<TTensor> _lseBack;
    private readonly HeadExchange<TTensor> _backwardIn;
    private readonly HeadExchange<TTensor> _lseIn;
    private readonly HeadExchange<TTensor> _gradientsBack;
    private readonly TTensor _keyValueGradientSum;

    /// <summary>Plans one rank's exchanges, sub-shards and inner ring for inner groups of <paramref name="allToAllSize"/> ranks.</summary>
    public HeadExchangeLoop(RingProblem problem, int allToAllSize, IStrategyBackend<TTensor> backend, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(backend);
        problem.Validate();
        problem.ValidateRank(backend.Rank);
        _plan = new HeadExchangePlan(problem, allToAllSize);
        HierarchicalLayout layout = _plan.Layout;
        RingProblem sub = layout.SubProblem;
        int rank = backend.Rank;
        int members = _plan.Members;
        var ring = new RankGroup(layout.InnerIndexOf(rank), layout.RingSize, members);
        _inner = new RingLoop<TTensor>(
            sub, backend.CreateKernel(sub), backend.CreateRingTransport(ring), backend.CreateOps(sub), backend.CreateWorkspace(sub), logger);
        _sub = new SubTensors(sub, backend);

        ICollectiveTransport<TTensor> collectives = backend.CreateCollectives(new RankGroup(layout.GroupOf(rank) * members, members, 1));
        IRegionOps<TTensor> regions = backend.RegionOps;

        // One compute-precision pair of buffers for every exchange (the backward inputs are the largest), one fp32 pair for the LSE.
        long computeBlock = HeadExchange<TTensor>.BlockElements(_plan, BackwardInputs);
        TTensor send = backend.Allocate(members * computeBlock, BufferElement.Compute);
        TTensor receive = backend.Allocate(members * computeBlock, BufferElement.Compute);
        long lseBlock = HeadExchange<TTensor>.BlockElements(_plan, LseOnly);
        TTensor lseSend = backend.Allocate(members * lseBlock, BufferElement.Float32);
        TTensor lseReceive = backend.Allocate(members * lseBlock, BufferElement.Float32);
        HeadExchange<TTensor> Exchange(ExchangedTensor[] slots, TTensor to, TTensor from) => new(_plan, slots, to, from, regions, collectives);
        _forwardIn = Exchange(ForwardInputs, send, receive);
        _outputBack = Exchange(QueryOnly, send, receive);
        _lseBack = Exchange(LseOnly, lseSend, lseReceive);
        _backwardIn = Exchange(BackwardInputs, send, receive);
        _lseIn = Exchange(LseOnly, lseSend, lseReceive);
        _gradientsBack = Exchange(ForwardInputs, send, receive);
        _keyValueGradientSum = _plan.Replicated ? backend.Allocate(problem.LocalKeyValueElements, BufferElement.Float32) : default!;
    }

    /// <inheritdoc />
    public void Forward(in ForwardTensors<TTensor> tensors)
    {
        SubTensors s = _sub;
        _forwardIn.PackLocal(0, tensors.Query);
        _forwardIn.PackLocal(1, tensors.Key);
        _forwardIn.PackLocal(2, tensors.Value);
        _forwardIn.Exchange();
        _forwardIn.UnpackToSub(0, s.Query);
        _forwardIn.UnpackToSub(1, s.Key);
        _forwardIn.UnpackToSub(2, s.Value);

        _inner.Forward(new(s.Query, s.Key, s.Value, s.Output, s.Lse));

        _outputBack.PackSub(0, s.Output);
        _outputBack.Exchange();
        _outputBack.UnpackToLocal(0, tensors.Output);
        _lseBack.PackSub(0, s.Lse);
        _lseBack.Exchange();
        _lseBack.UnpackToLocal(0, tensors.Lse);
    }

    /// <inheritdoc />
    public void Backward(in BackwardTensors<TTensor> tensors)
    {
        SubTensors s = _sub;
        _backwardIn.PackLocal(0, tensors.Query);
        _backwardIn.PackLocal(1, tensors.Key);
        _backwardIn.PackLocal(2, tensors.Value);
        _backwardIn.PackLocal(3, tensors.Output);
        _backwardIn.PackLocal(4, tensors.OutputGradient);
        _backwardIn.Exchange();
        _backwardIn.UnpackToSub(0, s.Query);
        _backwardIn.UnpackToSub(1, s.Key);
        _backwardIn.UnpackToSub(2, s.Value);
        _backwardIn.UnpackToSub(3, s.Output);
        _backwardIn.UnpackToSub(4, s.OutputGradient);
        _lseIn.PackLocal(0, tensors.Lse);
        _lseIn.Exchange();
        _lseIn.UnpackToSub(0, s.Lse);

        _inner.Backward(new(s.Query, s.Key, s.Value, s.Output, s.Lse, s.OutputGradient, s.QueryGradient, s.KeyGradient, s.ValueGradient));

        _gradientsBack.PackSub(0, s.QueryGradient);
        _gradientsBack.PackSub(1, s.KeyGradient);
        _gradientsBack.PackSub(2, s.ValueGradient);
        _gradientsBack.Exchange();
        _gradientsBack.UnpackToLocal(0, tensors.QueryGradient);
        if (_plan.Replicated)
        {
            _gradientsBack.UnpackToLocalSummed(1, _keyValueGradientSum, tensors.KeyGradient);
            _gradientsBack.UnpackToLocalSummed(2, _keyValueGradientSum, tensors.ValueGradient);
        }
        else
        {
            _gradientsBack.UnpackToLocal(1, tensors.KeyGradient);
            _gradientsBack.UnpackToLocal(2, tensors.ValueGradient);
        }
    }

    /// <summary>The inner ring's shards (Na·L rows, one member's heads), planned once.</summary>
    private sealed class SubTensors
    {
        public SubTensors(RingProblem sub, IStrategyBackend<TTensor> backend)
        {
            TTensor Compute(long elements) => backend.Allocate(elements, BufferElement.Compute);
            Query = Compute(sub.LocalQueryElements);
            Key = Compute(sub.LocalKeyValueElements);
            Value = Compute(sub.LocalKeyValueElements);
            Output = Compute(sub.LocalQueryElements);
            OutputGradient = Compute(sub.LocalQueryElements);
            QueryGradient = Compute(sub.LocalQueryElements);
            KeyGradient = Compute(sub.LocalKeyValueElements);
            ValueGradient = Compute(sub.LocalKeyValueElements);
            Lse = backend.Allocate(sub.LocalLseElements, BufferElement.Float32);
        }

        public TTensor Query { get; }

        public TTensor Key { get; }

        public TTensor Value { get; }

        public TTensor Output { get; }

        public TTensor OutputGradient { get; }

        public TTensor QueryGradient { get; }

        public TTensor KeyGradient { get; }

        public TTensor ValueGradient { get; }

        public TTensor Lse { get; }
    }
}
