namespace RingAttention.Cli.Demo;

/// <summary>The sizes and seed of one <c>ringattn demo</c> run.</summary>
internal sealed record DemoSettings
{
    /// <summary>Simulated ranks N.</summary>
    public required int RingSize { get; init; }

    /// <summary>Batch size B.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Global sequence length S; must be divisible by 2N because the demo includes dual-chunk.</summary>
    public required int SequenceLength { get; init; }

    /// <summary>Query heads Hq.</summary>
    public required int QueryHeads { get; init; }

    /// <summary>Key/value heads Hkv.</summary>
    public required int KeyValueHeads { get; init; }

    /// <summary>Head dimension D.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Seed of the random inputs.</summary>
    public required int Seed { get; init; }

    /// <summary>The problem for one row of the table.</summary>
    public RingProblem Problem(AttentionMask mask, LoadBalancing balance) => new()
    {
        BatchSize = BatchSize,
        SequenceLength = SequenceLength,
        QueryHeads = QueryHeads,
        KeyValueHeads = KeyValueHeads,
        HeadDim = HeadDim,
        RingSize = RingSize,
        Mask = mask,
        Balance = balance,
    };
}
