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

    /// <summary>The full LSE [B, Hq, S] around its sequence axis ([Hq, T] for packed documents).</summary>
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
    public float[][] ShardQuery(float[] full) => Shard(full, Problem.GlobalQueryShape.SequenceAxis);

    /// <summary>K or V → one shard per rank.</summary>
    public float[][] ShardKeyValue(float[] full) => Shard(full, Problem.GlobalKeyValueShape.SequenceAxis);

    /// <summary>LSE [B, Hq, S] → one [B, Hq, L] shard per rank.</summary>
    public float[][] ShardLse(float[] full) => Shard(full, LseAxis);

    /// <summary>Q-shaped shards → the full tensor in natural order.</summary>
    public float[] RestoreQuery(IReadOnlyList<float[]> shards) => Restore(shards, Problem.GlobalQueryShape.SequenceAxis);

    /// <summary>K- or V-shaped shards → the full tensor in natural order.</summary>
    public float[] RestoreKeyValue(IReadOnlyList<float[]> shards) => Restore(shards, Problem.GlobalKeyValueShape.SequenceAxis);

    /// <summary>LSE shards → the full [B, Hq, S] LSE in natural order.</summary>
    public float[] RestoreLse(IReadOnlyList<float[]> shards) => Restore(shards, LseAxis);

    /// <summary>Packed documents are balanced one by one (<see cref="PackedReorder"/>); every other layout as one sequence.</summary>
    private float[][] Shard(float[] full, SequenceAxis axis) => Problem.Documents is PackedDocuments documents
        ? PackedReorder.Shard<float>(full, axis, documents, Problem.Balance, Problem.RingSize)
        : SequenceReorder.Shard<float>(full, axis, Problem.Balance, Problem.RingSize);

    private float[] Restore(IReadOnlyList<float[]> shards, SequenceAxis axis) => Problem.Documents is PackedDocuments documents
        ? PackedReorder.Restore(shards, axis, documents, Problem.Balance)
        : SequenceReorder.Restore(shards, axis, Problem.Balance);

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
