using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// Full-sequence attention in one cuDNN call per pass on one GPU (no ring, no reorder): the yardstick for the ring's
/// precision. Inputs are rounded to the element type on upload exactly as the ring's are.
/// </summary>
public static class CudnnFullAttention
{
    /// <summary>O (decoded to float32) and LSE ([B, Hq, S]) of <paramref name="problem"/> on the full sequence; RingSize and Balance are ignored.</summary>
    public static AttentionOutput Forward(CudaAttentionContext context, RingProblem problem, DeviceElementType elementType, float[] query, float[] key, float[] value)
    {
        using var run = new SingleCall(context, problem, elementType, query, key, value);
        run.Forward();
        return new AttentionOutput(run.DownloadHalf(run.Output, run.Geometry.QueryElements), run.DownloadFloat(run.Lse, run.Geometry.LseElements));
    }

    /// <summary>dQ, dK, dV of the full sequence for <paramref name="outputGradient"/>, from this class's own forward.</summary>
    public static AttentionGradients Backward(
        CudaAttentionContext context, RingProblem problem, DeviceElementType elementType, float[] query, float[] key, float[] value, float[] outputGradient)
    {
        using var run = new SingleCall(context, problem, elementType, query, key, value);
        run.Forward();
        run.Backward(outputGradient);
        long plane = run.Geometry.KeyValuePlaneElements;
        float[] stacked = run.DownloadHalf(run.KeyValueGradient, 2 * plane);
        return new AttentionGradients(
            run.DownloadHalf(run.QueryGradient, run.Geometry.QueryElements),
            stacked[..(int)plane],
            stacked[(int)plane..]);
    }

    private sealed unsafe class SingleCall : IDisposable
    {
        private readonly List<DeviceBuffer> _buffers = [];
        private readonly SafeCudaStreamHandle _stream;
        private readonly CudnnBlockAttention _kernel;
        private readonly BlockTask _task;
        private readonly int _previousDevice;

        public SingleCall(CudaAttentionContext context, RingProblem problem, DeviceElementType elementType, float[] query, float[] key, float[] value)
        {
            ArgumentNullException.ThrowIfNull(context);
            ArgumentNullException.ThrowIfNull(query);
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(value);
            RingProblem full = problem with { RingSize = 1, Balance = LoadBalancing.None };
            CudaProblemChecks.Validate(full, elementType);
            Geometry = new CudaTensorGeometry(full, elementType);
            Check(query, Geometry.QueryElements, nameof(query));
            Check(key, Geometry.KeyValuePlaneElements, nameof(key));
            Check(value, Geometry.KeyValuePlaneElements, nameof(value));

            _previousDevice = CudaCalls.GetDevice();
            CudaCalls.SetDevice(context.Device);
            _stream = CudaCalls.CreateStream();
            Device = context.Device;
            Query = New(Geometry.QueryElements, elementType);
            KeyValue = New(2 * Geometry.KeyValuePlaneElements, elementType);
            Output = New(Geometry.QueryElements, elementType);
            Lse = New(Geometry.LseElements, DeviceElementType.Float32);
            OutputGradient = New(Geometry.QueryElements, elementType);
            QueryGradient = New(Geometry.QueryElements, elementType);
            KeyValueGradient = New(2 * Geometry.KeyValuePlaneElements, elementType);

            UploadHalf(Query, query, 0);
            UploadHalf(KeyValue, key, 0);
            UploadHalf(KeyValue, value, Geometry.KeyValuePlaneElements);

            int length = full.SequenceLength;
            _task = new BlockTask(0, RowRange.All(length), RowRange.All(length), full.Mask == AttentionMask.Causal ? BlockMask.Causal : BlockMask.None);
            _kernel = new CudnnBlockAttention(Geometry, context, _stream);
            long workspace = _kernel.WorkspaceBytesFor(_task);
            _kernel.Workspace = workspace > 0 ? New((workspace + 1) / 2, DeviceElementType.BFloat16) : default;
        }

        public CudaTensorGeometry Geometry { get; }

        public int Device { get; }

        public DeviceTensor Query { get; }

        public DeviceTensor KeyValue { get; }

        public DeviceTensor Output { get; }

        public DeviceTensor Lse { get; }

        public DeviceTensor OutputGradient { get; }

        public DeviceTensor QueryGradient { get; }

        public DeviceTensor KeyValueGradient { get; }

        public void Forward() => _kernel.Forward(_task, Query, Geometry.Planes(KeyValue), Output, Lse);

        public void Backward(float[] outputGradient)
        {
            ArgumentNullException.ThrowIfNull(outputGradient);
            Check(outputGradient, Geometry.QueryElements, nameof(outputGradient));
            UploadHalf(OutputGradient, outputGradient, 0);
            _kernel.Backward(_task, Query, Geometry.Planes(KeyValue), Output, OutputGradient, Lse, QueryGradient, Geometry.Planes(KeyValueGradient));
        }

        public float[] DownloadHalf(DeviceTensor tensor, long elements)
        {
            var bits = new ushort[elements];
            fixed (ushort* data = bits)
            {
                CudaCalls.CopyDeviceToHost(data, tensor.Pointer, elements * sizeof(ushort), _stream);
                CudaCalls.Synchronize(_stream);
            }

            var result = new float[elements];
            HostPrecision.Decode(bits, result, tensor.ElementType);
            return result;
        }

        public float[] DownloadFloat(DeviceTensor tensor, long elements)
        {
            var result = new float[elements];
            fixed (float* data = result)
            {
                CudaCalls.CopyDeviceToHost(data, tensor.Pointer, elements * sizeof(float), _stream);
                CudaCalls.Synchronize(_stream);
            }

            return result;
        }

        public void Dispose()
        {
            _ = NativeMethods.ringattn_cuda_stream_synchronize(_stream);
            foreach (DeviceBuffer buffer in _buffers)
            {
                buffer.Dispose();
            }

            _stream.Dispose();
            CudaCalls.SetDevice(_previousDevice);
        }

        private static void Check(float[] data, long elements, string name)
        {
            if (data.Length != elements)
            {
                throw new ArgumentException(CudaProblemChecks.Text($"{name} has {data.Length} elements, expected {elements}."), name);
            }
        }

        private void UploadHalf(DeviceTensor tensor, float[] data, long offsetElements)
        {
            var bits = new ushort[data.Length];
            HostPrecision.Encode(data, bits, tensor.ElementType);
            fixed (ushort* source = bits)
            {
                CudaCalls.CopyHostToDevice(tensor.ElementAddress(offsetElements), source, bits.Length * sizeof(ushort), _stream);
                CudaCalls.Synchronize(_stream);
            }
        }

        private DeviceTensor New(long elements, DeviceElementType type)
        {
            DeviceBuffer buffer = DeviceBuffer.Allocate(elements, type, Device);
            _buffers.Add(buffer);
            return buffer.Tensor;
        }
    }
}
