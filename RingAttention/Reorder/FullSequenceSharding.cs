using static System.FormattableString;

namespace RingAttention;

/// <summary>
/// The full-sequence side of a problem: checks full tensors (natural token order, the problem's layout), cuts
/// them into the per-rank shards of its load balancing and puts shards back. Every backend's full-sequence
/// convenience API goes through it, so they all accept and reject the same inputs.
/// </summary>
public sealed class FullSequenceSharding
{
    /// <summary>For <paramref name="problem"/>, which must be valid.</summary>
    public FullSequenceSharding(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
    }

    /// <summary>The problem.</summary>
    public RingProblem Problem { get; }

    /// <summary>The full LSE [B, Hq, S] around its sequence axis.</summary>
    public SequenceAxis LseAxis => SequenceAxis.ForLse(Problem.BatchSize, Problem.QueryHeads, Problem.SequenceLength);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the tensor and the shapes unless Q, K, V fit.</summary>
    public void CheckForwardInputs(float[] query, float[] key, float[] value)
    {
        CheckFull(query, nameof(query), Problem.GlobalQueryShape);
        CheckFull(key, nameof(key), Problem.GlobalKeyValueShape);
        CheckFull(value, nameof(value), Problem.GlobalKeyValueShape);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the tensor and the shapes unless every input fits.</summary>
    public void CheckBackwardInputs(float[] query, float[] key, float[] value, float[] output, float[] lse, float[] outputGradient)
    {
        CheckForwardInputs(query, key, value);
        CheckFull(output, nameof(output), Problem.GlobalQueryShape);
        CheckFull(outputGradient, nameof(outputGradient), Problem.GlobalQueryShape);
        ArgumentNullException.ThrowIfNull(lse);
        long lseElements = LseAxis.ElementCount;
        if (lse.Length != lseElements)
        {
            throw new ArgumentException(
                Invariant($"lse has {lse.Length} elements, expected {lseElements} (B={Problem.BatchSize} x Hq={Problem.QueryHeads} x S={Problem.SequenceLength})."),
                nameof(lse));
        }
    }

    /// <summary>Q-shaped tensor (Q, O, dO) → one shard per rank.</summary>
    public float[][] ShardQuery(float[] full) => SequenceReorder.Shard<float>(full, Problem.GlobalQueryShape.SequenceAxis, Problem.Balance, Problem.RingSize);

    /// <summary>K or V → one shard per rank.</summary>
    public float[][] ShardKeyValue(float[] full) => SequenceReorder.Shard<float>(full, Problem.GlobalKeyValueShape.SequenceAxis, Problem.Balance, Problem.RingSize);

    /// <summary>LSE [B, Hq, S] → one [B, Hq, L] shard per rank.</summary>
    public float[][] ShardLse(float[] full) => SequenceReorder.Shard<float>(full, LseAxis, Problem.Balance, Problem.RingSize);

    /// <summary>Q-shaped shards → the full tensor in natural order.</summary>
    public float[] RestoreQuery(IReadOnlyList<float[]> shards) => SequenceReorder.Restore(shards, Problem.GlobalQueryShape.SequenceAxis, Problem.Balance);

    /// <summary>K- or V-shaped shards → the full tensor in natural order.</summary>
    public float[] RestoreKeyValue(IReadOnlyList<float[]> shards) => SequenceReorder.Restore(shards, Problem.GlobalKeyValueShape.SequenceAxis, Problem.Balance);

    /// <summary>LSE shards → the full [B, Hq, S] LSE in natural order.</summary>
    public float[] RestoreLse(IReadOnlyList<float[]> shards) => SequenceReorder.Restore(shards, LseAxis, Problem.Balance);

    private static void CheckFull(float[] tensor, string name, TensorShape shape)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.Length != shape.ElementCount)
        {
            throw new ArgumentException(
                Invariant($"{name} has {tensor.Length} elements, expected {shape.ElementCount} ({shape.Layout}: B={shape.Batch}, S={shape.Sequence}, H={shape.Heads}, D={shape.HeadDim})."),
                name);
        }
    }
}
