using RingAttention.Interop;
using RingAttention.Strategies;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// One rank's collectives over an NCCL communicator (one rank per GPU), enqueued on <paramref name="stream"/> so that
/// they follow the work enqueued there before and precede the work enqueued after, as NCCL orders them. Every member
/// must call the collectives in the same order with buffers of the same sizes. Calls run under the communicator's gate,
/// so an abort from a watchdog stops them (see <see cref="NcclCommunicator"/>).
/// </summary>
internal sealed class NcclCollectiveTransport(NcclCommunicator communicator, SafeCudaStreamHandle stream) : ICollectiveTransport<DeviceTensor>
{
    /// <inheritdoc />
    public int Rank => communicator.Rank;

    /// <inheritdoc />
    public int Size => communicator.Size;

    /// <inheritdoc />
    public void AllGather(DeviceTensor send, DeviceTensor receive)
    {
        CollectiveChecks.Blocks(receive, send, Size, nameof(AllGather));
        communicator.AllGather(send.Pointer, receive.Pointer, send.Bytes, stream);
    }

    /// <inheritdoc />
    public void ReduceScatterSum(DeviceTensor send, DeviceTensor receive)
    {
        CollectiveChecks.Blocks(send, receive, Size, nameof(ReduceScatterSum));
        communicator.ReduceScatter(send.Pointer, receive.Pointer, receive.ElementCount, receive.ElementType, stream);
    }

    /// <inheritdoc />
    public void AllToAll(DeviceTensor send, DeviceTensor receive)
    {
        CollectiveChecks.Equal(send, receive, Size, nameof(AllToAll));
        communicator.AllToAll(send.Pointer, receive.Pointer, send.Bytes / Size, stream);
    }
}
