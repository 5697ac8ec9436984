using RingAttention.Cli.Npy;
using RingAttention.Cuda;

namespace RingAttention.Cli.Running.Distributed;

/// <summary>
/// One rank's tensors of a distributed <c>ringattn run</c> on its GPU: its shards of Q, K, V (and dO) uploaded from the
/// files, the outputs the ring writes, and on rank 0 the buffers the outputs of every rank are gathered into.
/// </summary>
internal sealed class RankDeviceTensors : IDisposable
{
    private readonly List<DeviceBuffer> _buffers = [];
    private readonly DeviceElementType _type;
    private readonly int _device;
    private readonly int _ranks;
    private readonly CudaStream _stream;

    public RankDeviceTensors(RingProblem problem, DeviceElementType type, int device, bool isRoot, bool backward)
    {
        _type = type;
        _device = device;
        _ranks = problem.RingSize;
        _stream = new CudaStream(device);
        try
        {
            long q = problem.LocalQueryElements;
            long kv = problem.LocalKeyValueElements;
            long lse = problem.LocalLseElements;
            Query = Allocate(q, type);
            Key = Allocate(kv, type);
            Value = Allocate(kv, type);
            Output = Allocate(q, type);
            Lse = Allocate(lse, DeviceElementType.Float32);
            int gathered = isRoot ? _ranks : 0;
            AllOutputs = Allocate(gathered * q, type);
            AllLse = Allocate(gathered * lse, DeviceElementType.Float32);
            if (backward)
            {
                OutputGradient = Allocate(q, type);
                QueryGradient = Allocate(q, type);
                KeyGradient = Allocate(kv, type);
                ValueGradient = Allocate(kv, type);
                AllQueryGradients = Allocate(gathered * q, type);
                AllKeyGradients = Allocate(gathered * kv, type);
                AllValueGradients = Allocate(gathered * kv, type);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The stream the rank's calls are ordered on (a cudaStream_t).</summary>
    public nint StreamPointer => _stream.Pointer;

    public DeviceBuffer Query { get; } = null!;

    public DeviceBuffer Key { get; } = null!;

    public DeviceBuffer Value { get; } = null!;

    public DeviceBuffer Output { get; } = null!;

    public DeviceBuffer Lse { get; } = null!;

    public DeviceBuffer AllOutputs { get; } = null!;

    public DeviceBuffer AllLse { get; } = null!;

    public DeviceBuffer? OutputGradient { get; }

    public DeviceBuffer? QueryGradient { get; }

    public DeviceBuffer? KeyGradient { get; }

    public DeviceBuffer? ValueGradient { get; }

    public DeviceBuffer? AllQueryGradients { get; }

    public DeviceBuffer? AllKeyGradients { get; }

    public DeviceBuffer? AllValueGradients { get; }

    /// <summary>This rank's Q, K, V, O and LSE as the ring's forward takes them.</summary>
    public ForwardTensors<DeviceTensor> ForwardTensors => new(Query.Tensor, Key.Tensor, Value.Tensor, Output.Tensor, Lse.Tensor);

    /// <summary>This rank's tensors as the ring's backward takes them; only when planned with the backward.</summary>
    public BackwardTensors<DeviceTensor> BackwardTensors => new(
        Query.Tensor,
        Key.Tensor,
        Value.Tensor,
        Output.Tensor,
        Lse.Tensor,
        Planned(OutputGradient).Tensor,
        Planned(QueryGradient).Tensor,
        Planned(KeyGradient).Tensor,
        Planned(ValueGradient).Tensor);

    /// <summary>
    /// Reads this rank's shard of <paramref name="file"/> (refusing NaN and Inf with <paramref name="checkFinite"/>) and
    /// uploads it rounded to the element type.
    /// </summary>
    public void Upload(NpyMappedFile file, SequenceAxis fullAxis, RingProblem problem, int rank, DeviceBuffer destination, bool checkFinite)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(problem);
        float[] shard = new float[destination.ElementCount];
        if (problem.Documents is PackedDocuments documents)
        {
            file.CopyShardRows(fullAxis, PackedReorder.ShardRows(documents, problem.Balance, problem.RingSize, rank), shard, checkFinite);
        }
        else
        {
            file.CopyShard(fullAxis, problem.Balance, problem.RingSize, rank, shard, checkFinite);
        }

        Upload(shard, destination);
    }

    /// <summary>Uploads a shard already on the host, rounded to the element type.</summary>
    public void Upload(ReadOnlySpan<float> shard, DeviceBuffer destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ushort[] bits = new ushort[shard.Length];
        HostPrecision.Encode(shard, bits, _type);
        destination.Upload<ushort>(bits);
    }

    /// <summary>Downloads a gathered 16-bit buffer as one float32 shard per rank.</summary>
    public float[][] DownloadShards(DeviceBuffer gathered)
    {
        ArgumentNullException.ThrowIfNull(gathered);
        ushort[] bits = new ushort[gathered.ElementCount];
        gathered.Download<ushort>(bits);
        float[] all = new float[bits.Length];
        HostPrecision.Decode(bits, all, gathered.ElementType);
        return Split(all);
    }

    /// <summary>Downloads a gathered float32 buffer as one shard per rank.</summary>
    public float[][] DownloadFloatShards(DeviceBuffer gathered)
    {
        ArgumentNullException.ThrowIfNull(gathered);
        float[] all = new float[gathered.ElementCount];
        gathered.Download<float>(all);
        return Split(all);
    }

    private static DeviceBuffer Planned(DeviceBuffer? gradient) =>
        gradient ?? throw new InvalidOperationException("These tensors were planned without the backward's.");

    public void Dispose()
    {
        foreach (DeviceBuffer buffer in _buffers)
        {
            buffer.Dispose();
        }

        _stream?.Dispose();
    }

    private float[][] Split(float[] all)
    {
        int each = all.Length / _ranks;
        return [.. Enumerable.Range(0, _ranks).Select(r => all.AsSpan(r * each, each).ToArray())];
    }

    private DeviceBuffer Allocate(long elements, DeviceElementType type)
    {
        DeviceBuffer buffer = DeviceBuffer.Allocate(elements, type, _device);
        _buffers.Add(buffer);
        return buffer;
    }
}
