using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Interop;

namespace RingAttention.Cuda;

public sealed partial class CudaRingAttention
{
    /// <summary>
    /// Forward on full sequences in natural token order (the problem's layout), for tests and tools: shards on the host
    /// (<see cref="SequenceReorder"/>), uploads each shard rounded to <see cref="ElementType"/>, runs the N virtual
    /// ranks, downloads and restores natural order. O comes back decoded to float32, LSE as fp32 [B, Hq, S].
    /// Throws the CPU path's <see cref="ArgumentException"/>s for tensors of the wrong size, before any work.
    /// </summary>
    public AttentionOutput ForwardFullSequence(float[] query, float[] key, float[] value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sharding.CheckForwardInputs(query, key, value);

        HostIo io = EnsureIo();
        ForwardTensors<IReadOnlyList<DeviceTensor>> shards = io.Tensors.Forward;
        io.Upload(shards.Query, _sharding.ShardQuery(query));
        io.Upload(shards.Key, _sharding.ShardKeyValue(key));
        io.Upload(shards.Value, _sharding.ShardKeyValue(value));
        RunForward(shards, io.StreamPointer); // the host path's own shards: checked when they were made
        float[][] output = io.Download(shards.Output);
        float[][] lse = io.Download(shards.Lse);
        return new AttentionOutput(
            _sharding.RestoreQuery(output),
            _sharding.RestoreLse(lse));
    }

    /// <summary>Backward on full sequences in natural order (see <see cref="ForwardFullSequence"/>).</summary>
    public AttentionGradients BackwardFullSequence(float[] query, float[] key, float[] value, float[] output, float[] lse, float[] outputGradient)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sharding.CheckBackwardInputs(query, key, value, output, lse, outputGradient);

        HostIo io = EnsureIo();
        BackwardTensors<IReadOnlyList<DeviceTensor>> shards = io.Tensors;
        io.Upload(shards.Query, _sharding.ShardQuery(query));
        io.Upload(shards.Key, _sharding.ShardKeyValue(key));
        io.Upload(shards.Value, _sharding.ShardKeyValue(value));
        io.Upload(shards.Output, _sharding.ShardQuery(output));
        io.Upload(shards.Lse, _sharding.ShardLse(lse));
        io.Upload(shards.OutputGradient, _sharding.ShardQuery(outputGradient));
        RunBackward(shards, io.StreamPointer);
        return new AttentionGradients(
            _sharding.RestoreQuery(io.Download(shards.QueryGradient)),
            _sharding.RestoreKeyValue(io.Download(shards.KeyGradient)),
            _sharding.RestoreKeyValue(io.Download(shards.ValueGradient)));
    }

    private HostIo EnsureIo()
    {
        if (_io is null)
        {
            using var scope = new DeviceScope(Device);
            _io = new HostIo(_geometry, Problem.RingSize, Device);
        }

        return _io;
    }

    /// <summary>The host path's device tensors and its copy stream, made on first use.</summary>
    private sealed class HostIo : IDisposable
    {
        private readonly DeviceBufferSet _buffers;
        private readonly SafeCudaStreamHandle _stream;

        public HostIo(CudaTensorGeometry g, int ranks, int device)
        {
            _buffers = new DeviceBufferSet(device);
            _stream = CudaCalls.CreateStream();
            try
            {
                DeviceElementType half = g.ElementType;
                Tensors = new(
                    Query: Shards(ranks, g.QueryElements, half),
                    Key: Shards(ranks, g.KeyValuePlaneElements, half),
                    Value: Shards(ranks, g.KeyValuePlaneElements, half),
                    Output: Shards(ranks, g.QueryElements, half),
                    Lse: Shards(ranks, g.LseElements, DeviceElementType.Float32),
                    OutputGradient: Shards(ranks, g.QueryElements, half),
                    QueryGradient: Shards(ranks, g.QueryElements, half),
                    KeyGradient: Shards(ranks, g.KeyValuePlaneElements, half),
                    ValueGradient: Shards(ranks, g.KeyValuePlaneElements, half));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>Every tensor of the host path, one per rank; the forward uses its first five.</summary>
        public BackwardTensors<IReadOnlyList<DeviceTensor>> Tensors { get; }

        public nint StreamPointer => _stream.DangerousGetHandle();

        /// <summary>Uploads rank r's shard into <paramref name="set"/>[r], in the tensor's element type.</summary>
        public void Upload(IReadOnlyList<DeviceTensor> set, float[][] shards)
        {
            for (int r = 0; r < shards.Length; r++)
            {
                HostCopies.Upload(shards[r], set[r], _stream);
            }
        }

        /// <summary>Every rank's tensor of <paramref name="set"/>, decoded to float32.</summary>
        public float[][] Download(IReadOnlyList<DeviceTensor> set) => [.. set.Select(tensor => HostCopies.Download(tensor, _stream))];

        public void Poison()
        {
            _buffers.Fill(0xFF, _stream);
            CudaCalls.Synchronize(_stream);
        }

        public void Dispose()
        {
            if (_stream is { IsClosed: false })
            {
                CudaCalls.Synchronize(_stream);
            }

            _buffers.Dispose();
            _stream?.Dispose();
        }

        /// <summary>One new device tensor per rank for one tensor of the host path.</summary>
        private DeviceTensor[] Shards(int ranks, long elements, DeviceElementType type) =>
            [.. Enumerable.Range(0, ranks).Select(_ => _buffers.Allocate(elements, type))];
    }
}
