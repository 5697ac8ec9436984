using System.Globalization;
using RingAttention.Cuda.Device;
using RingAttention.Interop;
using RingAttention.Strategies;
using RingAttention.Threading;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// One virtual rank's collectives on one GPU, over a <see cref="VirtualCollectiveHub"/>: each member enqueues on its own
/// stream the copies (or sums) of its share out of the others' send buffers, after their "posted" events, so the
/// members' copies run side by side and nothing waits on the device as a whole. A call returns once its work is
/// enqueued; work enqueued later on the stream sees the result, and the send buffer may be overwritten by later work
/// on the stream (the stream waits until every member has read it).
/// </summary>
internal sealed class VirtualCollectiveTransport : ICollectiveTransport<DeviceTensor>, IDisposable
{
    private readonly VirtualCollectiveHub _hub;
    private readonly SafeCudaStreamHandle _stream;
    private readonly SafeCudaEventHandle _posted;
    private readonly SafeCudaEventHandle _read;
    private readonly int _device;
    private DeviceBuffer? _sum; // fp32 scratch of the 16-bit reduce-scatter, sized by its first call

    /// <summary>Member <paramref name="rank"/> of the group <paramref name="hub"/> connects, ordered on <paramref name="stream"/>.</summary>
    public VirtualCollectiveTransport(VirtualCollectiveHub hub, int rank, SafeCudaStreamHandle stream, int device)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(stream);
        _hub = hub;
        Rank = RankMember.Check(rank, hub.Size);
        _stream = stream;
        _device = device;
        _posted = CudaCalls.CreateEvent();
        _read = CudaCalls.CreateEvent();
    }

    private enum Operation
    {
        AllGather,
        ReduceScatterSum,
        AllToAll,
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size => _hub.Size;

    /// <inheritdoc />
    public void AllGather(DeviceTensor send, DeviceTensor receive)
    {
        CollectiveChecks.Blocks(receive, send, Size, nameof(AllGather));
        Run(Operation.AllGather, send, receive);
    }

    /// <inheritdoc />
    public void ReduceScatterSum(DeviceTensor send, DeviceTensor receive)
    {
        CollectiveChecks.Blocks(send, receive, Size, nameof(ReduceScatterSum));
        if (receive.ElementType != DeviceElementType.Float32 && (_sum is null || _sum.ElementCount < receive.ElementCount))
        {
            _sum?.Dispose();
            _sum = null;
            _sum = DeviceBuffer.Allocate(receive.ElementCount, DeviceElementType.Float32, _device);
        }

        Run(Operation.ReduceScatterSum, send, receive);
    }

    /// <inheritdoc />
    public void AllToAll(DeviceTensor send, DeviceTensor receive)
    {
        CollectiveChecks.Equal(send, receive, Size, nameof(AllToAll));
        Run(Operation.AllToAll, send, receive);
    }

    public void Dispose()
    {
        _posted.Dispose();
        _read.Dispose();
        _sum?.Dispose();
    }

    private void Run(Operation operation, DeviceTensor send, DeviceTensor receive)
    {
        string name = operation switch
        {
            Operation.AllGather => nameof(AllGather),
            Operation.AllToAll => nameof(AllToAll),
            _ => nameof(ReduceScatterSum),
        };
        CudaCalls.Record(_posted, _stream); // the send buffer is written, the receive buffer no longer read
        _hub.Post(Rank, new VirtualRankParcel(send.Pointer, send.Bytes, _posted), name);
        try
        {
            for (int s = 0; s < Size; s++)
            {
                VirtualRankParcel parcel = _hub.PostedBy(s);
                if (parcel.Bytes != send.Bytes)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"{name}: rank {Rank} sends {send.Bytes} bytes but rank {s} sends {parcel.Bytes}; every member must pass buffers of the same sizes."));
                }

                if (s != Rank)
                {
                    CudaCalls.Wait(_stream, parcel.Ready);
                }
            }

            Enqueue(operation, send, receive);
            CudaCalls.Record(_read, _stream);
        }
        catch
        {
            _hub.Fail();
            throw;
        }

        _hub.Finish(Rank, _read, name);
        for (int s = 0; s < Size; s++)
        {
            if (s != Rank)
            {
                CudaCalls.Wait(_stream, _hub.ReadBy(s)); // every member has read this rank's send buffer
            }
        }
    }

    private void Enqueue(Operation operation, DeviceTensor send, DeviceTensor receive)
    {
        switch (operation)
        {
            case Operation.AllGather:
                for (int s = 0; s < Size; s++)
                {
                    CudaCalls.CopyDeviceToDevice(receive.Pointer + (nint)(s * send.Bytes), _hub.PostedBy(s).Pointer, send.Bytes, _stream);
                }

                break;
            case Operation.AllToAll:
                long block = send.Bytes / Size;
                for (int s = 0; s < Size; s++)
                {
                    CudaCalls.CopyDeviceToDevice(receive.Pointer + (nint)(s * block), _hub.PostedBy(s).Pointer + (nint)(Rank * block), block, _stream);
                }

                break;
            default:
                // Sum in fp32 in member order (deterministic), then one rounding for a 16-bit receive.
                long count = receive.ElementCount;
                bool fp32 = receive.ElementType == DeviceElementType.Float32;
                nint sum = fp32 ? receive.Pointer : _sum!.Pointer;
                CudaCalls.Fill(sum, 0, count * sizeof(float), _stream);
                for (int s = 0; s < Size; s++)
                {
                    FlatKernels.Accumulate(sum, _hub.PostedBy(s).Pointer + (nint)(Rank * receive.Bytes), send.ElementType, count, _stream);
                }

                if (!fp32)
                {
                    FlatKernels.Cast(sum, DeviceElementType.Float32, receive.Pointer, receive.ElementType, count, _stream);
                }

                break;
        }
    }
}
