namespace RingAttention.Cuda.Tests;

/// <summary>Per-rank device tensors made by a test, as a caller of the rank-level API would own them.</summary>
internal sealed class RankShards : IDisposable
{
    private readonly RingProblem _problem;
    private readonly DeviceElementType _type;
    private readonly List<Set> _all = [];

    public RankShards(RingProblem problem, DeviceElementType type)
    {
        _problem = problem;
        _type = type;
        Query = Add(problem.LocalQueryElements, type);
        Key = Add(problem.LocalKeyValueElements, type);
        Value = Add(problem.LocalKeyValueElements, type);
        Output = Add(problem.LocalQueryElements, type);
        Lse = Add(problem.LocalLseElements, DeviceElementType.Float32);
        OutputGradient = Add(problem.LocalQueryElements, type);
        QueryGradient = Add(problem.LocalQueryElements, type);
        KeyGradient = Add(problem.LocalKeyValueElements, type);
        ValueGradient = Add(problem.LocalKeyValueElements, type);
    }

    public Set Query { get; }

    public Set Key { get; }

    public Set Value { get; }

    public Set Output { get; }

    public Set Lse { get; }

    public Set OutputGradient { get; }

    public Set QueryGradient { get; }

    public Set KeyGradient { get; }

    public Set ValueGradient { get; }

    /// <summary>Every set, as the rank-level API takes them.</summary>
    public BackwardTensors<IReadOnlyList<DeviceTensor>> Tensors => new(
        Query.Tensors, Key.Tensors, Value.Tensors, Output.Tensors, Lse.Tensors, OutputGradient.Tensors, QueryGradient.Tensors, KeyGradient.Tensors, ValueGradient.Tensors);

    /// <summary>Shards a full natural-order tensor and uploads each shard in the 16-bit type.</summary>
    public void Upload(Set set, float[] full, SequenceAxis axis) =>
        UploadShards(set, _problem.Documents is PackedDocuments documents
            ? PackedReorder.Shard<float>(full, axis, documents, _problem.Balance, _problem.RingSize)
            : SequenceReorder.Shard<float>(full, axis, _problem.Balance, _problem.RingSize));

    /// <summary>Uploads one host shard per rank, as given, in the set's type (16-bit, or float32 for the LSE).</summary>
    public void UploadShards(Set set, float[][] shards)
    {
        for (int r = 0; r < shards.Length; r++)
        {
            if (set.Buffers[r].ElementType == DeviceElementType.Float32)
            {
                set.Buffers[r].Upload<float>(shards[r]);
                continue;
            }

            var bits = new ushort[shards[r].Length];
            HostPrecision.Encode(shards[r], bits, _type);
            set.Buffers[r].Upload<ushort>(bits);
        }
    }

    /// <summary>Downloads every rank's 16-bit shard and restores natural order.</summary>
    public float[] Download(Set set, SequenceAxis axis) => _problem.Documents is PackedDocuments documents
        ? PackedReorder.Restore(DownloadShards(set), axis, documents, _problem.Balance)
        : SequenceReorder.Restore(DownloadShards(set), axis, _problem.Balance);

    /// <summary>Every rank's shard as float32, as the device holds it.</summary>
    public float[][] DownloadShards(Set set)
    {
        var shards = new float[_problem.RingSize][];
        for (int r = 0; r < shards.Length; r++)
        {
            if (set.Buffers[r].ElementType == DeviceElementType.Float32)
            {
                shards[r] = new float[set.Buffers[r].ElementCount];
                set.Buffers[r].Download<float>(shards[r]);
                continue;
            }

            var bits = new ushort[set.Buffers[r].ElementCount];
            set.Buffers[r].Download<ushort>(bits);
            shards[r] = new float[bits.Length];
            HostPrecision.Decode(bits, shards[r], _type);
        }

        return shards;
    }

    public void Dispose()
    {
        foreach (Set set in _all)
        {
            foreach (DeviceBuffer buffer in set.Buffers)
            {
                buffer.Dispose();
            }
        }
    }

    private Set Add(long elements, DeviceElementType type)
    {
        var buffers = new DeviceBuffer[_problem.RingSize];
        for (int r = 0; r < buffers.Length; r++)
        {
            buffers[r] = DeviceBuffer.Allocate(elements, type);
        }

        var set = new Set(buffers, [.. buffers.Select(b => b.Tensor)]);
        _all.Add(set);
        return set;
    }

    internal sealed record Set(DeviceBuffer[] Buffers, DeviceTensor[] Tensors);
}
