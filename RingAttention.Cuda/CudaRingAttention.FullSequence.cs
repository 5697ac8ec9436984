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
        io.UploadHalf(io.Query, _sharding.ShardQuery(query));
        io.UploadHalf(io.Key, _sharding.ShardKeyValue(key));
        io.UploadHalf(io.Value, _sharding.ShardKeyValue(value));
        Forward(io.Query.Tensors, io.Key.Tensors, io.Value.Tensors, io.Output.Tensors, io.Lse.Tensors, io.StreamPointer);
        float[][] output = io.DownloadHalf(io.Output);
        float[][] lse = io.DownloadFloat(io.Lse);
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
        io.UploadHalf(io.Query, _sharding.ShardQuery(query));
        io.UploadHalf(io.Key, _sharding.ShardKeyValue(key));
        io.UploadHalf(io.Value, _sharding.ShardKeyValue(value));
        io.UploadHalf(io.Output, _sharding.ShardQuery(output));
        io.UploadFloat(io.Lse, _sharding.ShardLse(lse));
        io.UploadHalf(io.OutputGradient, _sharding.ShardQuery(outputGradient));
        Backward(
            io.Query.Tensors, io.Key.Tensors, io.Value.Tensors, io.Output.Tensors, io.Lse.Tensors, io.OutputGradient.Tensors,
            io.QueryGradient.Tensors, io.KeyGradient.Tensors, io.ValueGradient.Tensors, io.StreamPointer);
        return new AttentionGradients(
            _sharding.RestoreQuery(io.DownloadHalf(io.QueryGradient)),
            _sharding.RestoreKeyValue(io.DownloadHalf(io.KeyGradient)),
            _sharding.RestoreKeyValue(io.DownloadHalf(io.ValueGradient)));
    }

    private HostIo EnsureIo()
    {
        if (_io is null)
        {
            int previous = CudaCalls.GetDevice();
            CudaCalls.SetDevice(Device);
            try
            {
                _io = new HostIo(_geometry, Problem.RingSize, Device);
            }
            finally
            {
                CudaCalls.SetDevice(previous);
            }
        }

        return _io;
    }

    /// <summary>One device buffer per rank for one tensor of the host path.</summary>
    private sealed class ShardSet : IDisposable
    {
        private readonly DeviceBuffer[] _buffers;

        public ShardSet(int ranks, long elements, DeviceElementType type, int device)
        {
            _buffers = new DeviceBuffer[ranks];
            var tensors = new DeviceTensor[ranks];
            try
            {
                for (int r = 0; r < ranks; r++)
                {
                    _buffers[r] = DeviceBuffer.Allocate(elements, type, device);
                    tensors[r] = _buffers[r].Tensor;
                }
            }
            catch
            {
                Dispose();
                throw;
            }

            Tensors = tensors;
            Elements = elements;
            Type = type;
        }

        public IReadOnlyList<DeviceTensor> Tensors { get; }

        public long Elements { get; }

        public DeviceElementType Type { get; }

        public DeviceBuffer[] Buffers => _buffers;

        public void Dispose()
        {
            foreach (DeviceBuffer? buffer in _buffers)
            {
                buffer?.Dispose();
            }
        }
    }

    /// <summary>The host path's device tensors and its copy stream, made on first use.</summary>
    private sealed unsafe class HostIo : IDisposable
    {
        private readonly List<ShardSet> _all = [];
        private readonly SafeCudaStreamHandle _stream;

        public HostIo(CudaTensorGeometry g, int ranks, int device)
        {
            _stream = CudaCalls.CreateStream();
            try
            {
                DeviceElementType half = g.ElementType;
                Query = Add(new ShardSet(ranks, g.QueryElements, half, device));
                Key = Add(new ShardSet(ranks, g.KeyValuePlaneElements, half, device));
                Value = Add(new ShardSet(ranks, g.KeyValuePlaneElements, half, device));
                Output = Add(new ShardSet(ranks, g.QueryElements, half, device));
                Lse = Add(new ShardSet(ranks, g.LseElements, DeviceElementType.Float32, device));
                OutputGradient = Add(new ShardSet(ranks, g.QueryElements, half, device));
                QueryGradient = Add(new ShardSet(ranks, g.QueryElements, half, device));
                KeyGradient = Add(new ShardSet(ranks, g.KeyValuePlaneElements, half, device));
                ValueGradient = Add(new ShardSet(ranks, g.KeyValuePlaneElements, half, device));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public ShardSet Query { get; } = null!;

        public ShardSet Key { get; } = null!;

        public ShardSet Value { get; } = null!;

        public ShardSet Output { get; } = null!;

        public ShardSet Lse { get; } = null!;

        public ShardSet OutputGradient { get; } = null!;

        public ShardSet QueryGradient { get; } = null!;

        public ShardSet KeyGradient { get; } = null!;

        public ShardSet ValueGradient { get; } = null!;

        public nint StreamPointer => _stream.DangerousGetHandle();

        public void UploadHalf(ShardSet set, float[][] shards)
        {
            var bits = new ushort[set.Elements];
            for (int r = 0; r < shards.Length; r++)
            {
                HostPrecision.Encode(shards[r], bits, set.Type);
                fixed (ushort* data = bits)
                {
                    CudaCalls.CopyHostToDevice(set.Buffers[r].Pointer, data, set.Elements * sizeof(ushort), _stream);
                    CudaCalls.Synchronize(_stream); // the host array is reused (and only pinned) until here
                }
            }
        }

        public void UploadFloat(ShardSet set, float[][] shards)
        {
            for (int r = 0; r < shards.Length; r++)
            {
                fixed (float* data = shards[r])
                {
                    CudaCalls.CopyHostToDevice(set.Buffers[r].Pointer, data, set.Elements * sizeof(float), _stream);
                    CudaCalls.Synchronize(_stream);
                }
            }
        }

        public float[][] DownloadHalf(ShardSet set)
        {
            var result = new float[set.Buffers.Length][];
            var bits = new ushort[set.Elements];
            for (int r = 0; r < result.Length; r++)
            {
                fixed (ushort* data = bits)
                {
                    CudaCalls.CopyDeviceToHost(data, set.Buffers[r].Pointer, set.Elements * sizeof(ushort), _stream);
                    CudaCalls.Synchronize(_stream);
                }

                result[r] = new float[set.Elements];
                HostPrecision.Decode(bits, result[r], set.Type);
            }

            return result;
        }

        public float[][] DownloadFloat(ShardSet set)
        {
            var result = new float[set.Buffers.Length][];
            for (int r = 0; r < result.Length; r++)
            {
                result[r] = new float[set.Elements];
                fixed (float* data = result[r])
                {
                    CudaCalls.CopyDeviceToHost(data, set.Buffers[r].Pointer, set.Elements * sizeof(float), _stream);
                    CudaCalls.Synchronize(_stream);
                }
            }

            return result;
        }

        public void Poison()
        {
            foreach (ShardSet set in _all)
            {
                foreach (DeviceBuffer buffer in set.Buffers)
                {
                    CudaCalls.Fill(buffer.Pointer, 0xFF, buffer.Bytes, _stream);
                }
            }

            CudaCalls.Synchronize(_stream);
        }

        public void Dispose()
        {
            if (_stream is { IsClosed: false })
            {
                CudaCalls.Synchronize(_stream);
            }

            foreach (ShardSet set in _all)
            {
                set.Dispose();
            }

            _stream?.Dispose();
        }

        private ShardSet Add(ShardSet set)
        {
            _all.Add(set);
            return set;
        }
    }
}
