using static System.FormattableString;

namespace RingAttention;

/// <summary>
/// One attention problem split over a ring: the global shapes, the mask, the load balancing and the ring size.
/// Every backend and every rank of a ring shares one problem; <see cref="Validate"/> checks it before any work.
/// </summary>
public sealed record RingProblem
{
    /// <summary>Batch size B.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Global sequence length S (all ranks together).</summary>
    public required int SequenceLength { get; init; }

    /// <summary>Query heads Hq.</summary>
    public required int QueryHeads { get; init; }

    /// <summary>Key/value heads Hkv; Hq must be a multiple of it (GQA/MQA when smaller).</summary>
    public required int KeyValueHeads { get; init; }

    /// <summary>Head dimension D.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Number of ranks N in the ring.</summary>
    public required int RingSize { get; init; }

    /// <summary>Mask on the global sequence.</summary>
    public AttentionMask Mask { get; init; } = AttentionMask.None;

    /// <summary>How tokens are assigned to ranks.</summary>
    public LoadBalancing Balance { get; init; } = LoadBalancing.None;

    /// <summary>Memory order of the rank-local tensors.</summary>
    public TensorLayout Layout { get; init; } = TensorLayout.Bshd;

    /// <summary>
    /// The packed documents when <see cref="Layout"/> is <see cref="TensorLayout.Thd"/> (then required; null for every
    /// other layout). Their lengths add up to <see cref="SequenceLength"/>; the shards hold them padded.
    /// </summary>
    public PackedDocuments? Documents { get; init; }

    /// <summary>Sliding window on the original token positions, on top of <see cref="Mask"/>; null: none.</summary>
    public AttentionWindow? Window { get; init; }

    /// <summary>How the ranks share the work; every strategy takes the same shards.</summary>
    public ContextParallelStrategy Strategy { get; init; } = ContextParallelStrategy.Ring;

    /// <summary>
    /// The inner (all-to-all) group size Na of <see cref="ContextParallelStrategy.AllToAllThenRing"/>: groups of Na
    /// consecutive ranks exchange heads, and a ring of N / Na steps runs across the groups. Ignored by the other
    /// strategies (leave it 0).
    /// </summary>
    public int AllToAllSize { get; init; }

    /// <summary>Softmax scale; null means 1/sqrt(D).</summary>
    public float? Scale { get; init; }

    /// <summary>The scale actually applied to Q·K.</summary>
    public float SoftmaxScale => Scale ?? (float)(1.0 / Math.Sqrt(HeadDim));

    /// <summary>Tokens per rank, L = S / N; for packed documents, their padded total / N (padding rows included).</summary>
    public int LocalLength => (Documents?.PaddedTotalLength ?? SequenceLength) / RingSize;

    /// <summary>Query heads per key/value head.</summary>
    public int GroupSize => QueryHeads / KeyValueHeads;

    /// <summary>Elements of a rank-local Q, O, dO or dQ: B·L·Hq·D.</summary>
    public long LocalQueryElements => (long)BatchSize * LocalLength * QueryHeads * HeadDim;

    /// <summary>Elements of a rank-local K, V, dK or dV: B·L·Hkv·D.</summary>
    public long LocalKeyValueElements => (long)BatchSize * LocalLength * KeyValueHeads * HeadDim;

    /// <summary>Elements of a rank-local LSE: B·Hq·L (fp32, [B, Hq, L]).</summary>
    public long LocalLseElements => (long)BatchSize * QueryHeads * LocalLength;

    /// <summary>Shape of a rank-local query-like tensor in <see cref="Layout"/> order.</summary>
    public TensorShape LocalQueryShape => new(BatchSize, LocalLength, QueryHeads, HeadDim, Layout);

    /// <summary>Shape of a rank-local K or V in <see cref="Layout"/> order.</summary>
    public TensorShape LocalKeyValueShape => new(BatchSize, LocalLength, KeyValueHeads, HeadDim, Layout);

    /// <summary>Shape of a full-sequence query-like tensor in <see cref="Layout"/> order.</summary>
    public TensorShape GlobalQueryShape => new(BatchSize, SequenceLength, QueryHeads, HeadDim, Layout);

    /// <summary>Shape of a full-sequence K or V in <see cref="Layout"/> order.</summary>
    public TensorShape GlobalKeyValueShape => new(BatchSize, SequenceLength, KeyValueHeads, HeadDim, Layout);

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the offending property and its value when the problem
    /// cannot run; returns normally otherwise.
    /// </summary>
    public void Validate()
    {
        RequirePositive(BatchSize, nameof(BatchSize));
        RequirePositive(SequenceLength, nameof(SequenceLength));
        RequirePositive(QueryHeads, nameof(QueryHeads));
        RequirePositive(KeyValueHeads, nameof(KeyValueHeads));
        RequirePositive(HeadDim, nameof(HeadDim));
        if (RingSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RingSize), RingSize, Invariant($"RingSize must be at least 1, got {RingSize}."));
        }

        if (QueryHeads % KeyValueHeads != 0)
        {
            throw new ArgumentException(
                Invariant($"QueryHeads ({QueryHeads}) must be a multiple of KeyValueHeads ({KeyValueHeads})."), nameof(KeyValueHeads));
        }

        int divisor = Balance == LoadBalancing.DualChunk ? 2 * RingSize : RingSize;
        // Packed documents are balanced one by one: their padded lengths carry the divisibility instead.
        bool packed = PackedProblemChecks.Validate(this);
        if (!packed && SequenceLength % divisor != 0)
        {
            string what = Balance == LoadBalancing.DualChunk
                ? Invariant($"2 * RingSize = {divisor} (dual-chunk load balancing)")
                : Invariant($"RingSize = {divisor}");
            throw new ArgumentException(
                Invariant($"SequenceLength ({SequenceLength}) must be divisible by {what}."), nameof(SequenceLength));
        }

        if (Scale is float s && (!float.IsFinite(s) || s <= 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(Scale), s, Invariant($"Scale must be finite and positive, got {s}."));
        }

        RequireDefined(Mask, nameof(Mask));
        RequireDefined(Balance, nameof(Balance));
        RequireDefined(Layout, nameof(Layout));
        RequireDefined(Strategy, nameof(Strategy));
        ValidateWindow();
        ValidateStrategy();
    }

    /// <summary>Throws unless <paramref name="rank"/> lies in [0, <see cref="RingSize"/>).</summary>
    public void ValidateRank(int rank)
    {
        if ((uint)rank >= (uint)RingSize)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, Invariant($"rank must lie in [0, {RingSize}), got {rank}."));
        }
    }

    private void ValidateWindow()
    {
        if (Window is not AttentionWindow w)
        {
            return;
        }

        if (w.Left < AttentionWindow.Unbounded || w.Right < AttentionWindow.Unbounded)
        {
            throw new ArgumentOutOfRangeException(
                nameof(Window), w, Invariant($"Window sides must be 0 or more, or -1 (unbounded); got (Left={w.Left}, Right={w.Right})."));
        }

        if (Mask == AttentionMask.Causal && w.Right != 0)
        {
            throw new ArgumentException(
                Invariant($"Window.Right must be 0 with a causal mask (a query sees no later key), got {w.Right}."), nameof(Window));
        }
    }

    private void ValidateStrategy()
    {
        int ranks = Strategy switch
        {
            ContextParallelStrategy.AllToAll => RingSize,
            ContextParallelStrategy.AllToAllThenRing => AllToAllSize,
            _ => 0,
        };
        if (ranks == 0)
        {
            return;
        }

        if (Strategy == ContextParallelStrategy.AllToAllThenRing)
        {
            if (AllToAllSize < 1 || RingSize % AllToAllSize != 0)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(AllToAllSize), AllToAllSize,
                    Invariant($"AllToAllSize must be a positive divisor of RingSize ({RingSize}) for AllToAllThenRing, got {AllToAllSize}."));
            }

            if (Balance == LoadBalancing.Striped && AllToAllSize > 1 && AllToAllSize < RingSize)
            {
                throw new ArgumentException(
                    "AllToAllThenRing keeps the ring's layout only for dual-chunk or no load balancing; use Striped with Ring, AllGather or AllToAll.",
                    nameof(Balance));
            }
        }

        string what = Strategy == ContextParallelStrategy.AllToAll ? "RingSize" : "AllToAllSize";
        if (QueryHeads % ranks != 0)
        {
            throw new ArgumentException(
                Invariant($"QueryHeads ({QueryHeads}) must be divisible by {what} ({ranks}): {Strategy} gives each rank of a group an equal share of the query heads."),
                nameof(QueryHeads));
        }

        if (KeyValueHeads % ranks != 0 && ranks % KeyValueHeads != 0)
        {
            throw new ArgumentException(
                Invariant($"KeyValueHeads ({KeyValueHeads}) must divide or be divisible by {what} ({ranks}): {Strategy} splits the KV heads over the group or replicates each one over {what} / KeyValueHeads ranks."),
                nameof(KeyValueHeads));
        }
    }

    private static void RequirePositive(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(name, value, Invariant($"{name} must be positive, got {value}."));
        }
    }

    private static void RequireDefined<TEnum>(TEnum value, string name)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentOutOfRangeException(name, value, Invariant($"{name} has no value {value}."));
        }
    }
}
