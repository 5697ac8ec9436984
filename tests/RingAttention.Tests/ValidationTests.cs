using RingAttention.Cpu;

namespace RingAttention.Tests;

public sealed class ValidationTests
{
    private static readonly RingProblem Valid = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 16, queryHeads: 4, keyValueHeads: 2);

    public static TheoryData<string, string, string> BadProblems() => new()
    {
        { "SequenceLength", "SequenceLength (12) must be divisible by 2 * RingSize = 8", "dual12" },
        { "SequenceLength", "SequenceLength (10) must be divisible by RingSize = 4", "none10" },
        { "KeyValueHeads", "QueryHeads (4) must be a multiple of KeyValueHeads (3)", "gqa" },
        { "Scale", "Scale must be finite and positive, got -1", "negscale" },
        { "Scale", "Scale must be finite and positive, got NaN", "nanscale" },
        { "Scale", "Scale must be finite and positive, got 0", "zeroscale" },
        { "RingSize", "RingSize must be at least 1, got 0", "ring0" },
        { "BatchSize", "BatchSize must be positive, got 0", "batch0" },
        { "HeadDim", "HeadDim must be positive, got -2", "dim" },
    };

    [Theory]
    [MemberData(nameof(BadProblems))]
    public void Bad_problems_name_the_parameter_and_the_values(string parameter, string message, string which)
    {
        RingProblem problem = which switch
        {
            "dual12" => Valid with { SequenceLength = 12 },
            "none10" => Valid with { SequenceLength = 10, Balance = LoadBalancing.None },
            "gqa" => Valid with { KeyValueHeads = 3 },
            "negscale" => Valid with { Scale = -1f },
            "nanscale" => Valid with { Scale = float.NaN },
            "zeroscale" => Valid with { Scale = 0f },
            "ring0" => Valid with { RingSize = 0 },
            "batch0" => Valid with { BatchSize = 0 },
            "dim" => Valid with { HeadDim = -2 },
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };

        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => new CpuRingAttention(problem));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rank_outside_the_ring_is_rejected()
    {
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => Valid.ValidateRank(4));
        Assert.Equal("rank", e.ParamName);
        Assert.Contains("[0, 4)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Valid.ValidateRank(-1));
    }

    [Fact]
    public void Wrong_shard_count_or_size_is_rejected_before_any_work_and_outputs_stay_untouched()
    {
        using var ring = new CpuRingAttention(Valid);
        float[][] q = Shards(4, Valid.LocalQueryElements);
        float[][] kv = Shards(4, Valid.LocalKeyValueElements);
        float[][] o = Shards(4, Valid.LocalQueryElements, fill: 42f);
        float[][] lse = Shards(4, Valid.LocalLseElements, fill: 42f);

        float[][] shortKey = Shards(4, Valid.LocalKeyValueElements);
        shortKey[2] = new float[Valid.LocalKeyValueElements - 1];
        ArgumentException e = Assert.Throws<ArgumentException>(() => ring.Forward(new(q, shortKey, kv, o, lse)));
        Assert.Equal("key", e.ParamName);
        Assert.Contains("key[2] has 63 elements, expected 64", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<ArgumentException>(() => ring.Forward(new(q, kv, kv, o, Shards(3, Valid.LocalLseElements))));
        Assert.Equal("lse", e.ParamName);
        Assert.Contains("3 shards", e.Message, StringComparison.Ordinal);

        Assert.All(o, shard => Assert.All(shard, x => Assert.Equal(42f, x)));
        Assert.All(lse, shard => Assert.All(shard, x => Assert.Equal(42f, x)));
    }

    [Fact]
    public void Backward_rejects_a_mismatched_output_gradient()
    {
        using var ring = new CpuRingAttention(Valid);
        float[][] q = Shards(4, Valid.LocalQueryElements);
        float[][] kv = Shards(4, Valid.LocalKeyValueElements);
        float[][] lse = Shards(4, Valid.LocalLseElements);
        float[][] dq = Shards(4, Valid.LocalQueryElements, fill: 7f);
        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            ring.Backward(new(q, kv, kv, q, lse, Shards(4, Valid.LocalQueryElements + 4), dq, kv, kv)));
        Assert.Equal("outputGradient", e.ParamName);
        Assert.All(dq, shard => Assert.All(shard, x => Assert.Equal(7f, x)));
    }

    [Fact]
    public void Full_sequence_inputs_of_the_wrong_size_name_the_shape()
    {
        using var ring = new CpuRingAttention(Valid);
        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            ring.ForwardFullSequence(new float[Valid.GlobalQueryShape.ElementCount], new float[5], new float[Valid.GlobalKeyValueShape.ElementCount]));
        Assert.Equal("key", e.ParamName);
        Assert.Contains("S=16", e.Message, StringComparison.Ordinal);
    }

    private static float[][] Shards(int count, long elements, float fill = 0f)
    {
        var shards = new float[count][];
        for (int r = 0; r < count; r++)
        {
            shards[r] = new float[elements];
            Array.Fill(shards[r], fill);
        }

        return shards;
    }
}
