using System.Globalization;
using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// One rank's NCCL communicator. Rank 0 makes the id with <see cref="CreateUniqueId"/> and hands its bytes to every
/// other rank (a file, a socket, <see cref="Distributed.CudaProcessGroup"/>'s coordinator); every rank then constructs
/// its communicator with the same id, from its own thread or process (construction blocks until all ranks joined).
/// </summary>
/// <remarks>
/// NCCL allows one thread inside a communicator at a time, yet a watchdog must be able to stop a rank whose peer died
/// while another thread waits inside an NCCL call. Every call therefore runs under <see cref="Gate"/>, and
/// <see cref="Abort"/> first cancels the communicator (a flag the shim's waits read, no lock) so that a thread waiting
/// inside a call leaves it at once and gives the gate up.
/// </remarks>
public sealed unsafe class NcclCommunicator : IDisposable
{
    /// <summary>Bytes of an NCCL unique id.</summary>
    public const int UniqueIdBytes = 128;

    private volatile bool _aborted;

    /// <summary>Joins the communicator of <paramref name="size"/> ranks as <paramref name="rank"/> on <paramref name="device"/>.</summary>
    /// <param name="uniqueId">The 128 bytes from <see cref="CreateUniqueId"/> on rank 0.</param>
    /// <param name="size">Number of ranks.</param>
    /// <param name="rank">This rank.</param>
    /// <param name="device">This rank's CUDA device.</param>
    /// <param name="timeout">Gives up joining (and later enqueueing) after this long; null blocks.</param>
    public NcclCommunicator(ReadOnlySpan<byte> uniqueId, int size, int rank, int device, TimeSpan? timeout = null)
    {
        if (uniqueId.Length != UniqueIdBytes)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"uniqueId has {uniqueId.Length} bytes, expected {UniqueIdBytes}."), nameof(uniqueId));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if ((uint)rank >= (uint)size)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, string.Create(CultureInfo.InvariantCulture, $"rank must lie in [0, {size}), got {rank}."));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(device);
        ringattn_nccl_unique_id id = default;
        uniqueId.CopyTo(new Span<byte>(id.bytes, UniqueIdBytes));
        SafeNcclCommHandle handle;
        if (timeout is TimeSpan t)
        {
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_init_timeout(&id, size, rank, device, (long)t.TotalMilliseconds, out handle));
        }
        else
        {
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_init(&id, size, rank, device, out handle));
        }

        Handle = handle;
        Size = size;
        Rank = rank;
        Device = device;
    }

    private NcclCommunicator(SafeNcclCommHandle handle, int device)
    {
        Handle = handle;
        int rank = 0;
        int size = 0;
        ShimStatus.Check(NativeMethods.ringattn_nccl_comm_info(handle, &rank, &size, null));
        Rank = rank;
        Size = size;
        Device = device;
    }

    /// <summary>Number of ranks.</summary>
    public int Size { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>This rank's CUDA device.</summary>
    public int Device { get; }

    /// <summary>True once <see cref="Abort"/> ran: every later call throws.</summary>
    public bool IsAborted => _aborted;

    /// <summary>Held around every NCCL call on this communicator (see the remarks).</summary>
    internal Lock Gate { get; } = new();

    internal SafeNcclCommHandle Handle { get; }

    /// <summary>A new NCCL unique id (call on rank 0 only and distribute the bytes).</summary>
    public static byte[] CreateUniqueId()
    {
        ringattn_nccl_unique_id id = default;
        ShimStatus.Check(NativeMethods.ringattn_nccl_get_unique_id(&id));
        return new ReadOnlySpan<byte>(id.bytes, UniqueIdBytes).ToArray();
    }

    /// <summary>
    /// Splits this communicator (a collective: every rank calls it): ranks passing the same <paramref name="color"/>
    /// form one new communicator, ranked by <paramref name="key"/> then by rank here. A negative color leaves this
    /// rank out and returns null. The new communicator has this one's device and time limit.
    /// </summary>
    public NcclCommunicator? Split(int color, int key)
    {
        lock (Gate)
        {
            ThrowIfAborted();
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_split(Handle, color, key, out SafeNcclCommHandle child));
            if (child.IsInvalid)
            {
                child.Dispose();
                return null;
            }

            return new NcclCommunicator(child, Device);
        }
    }

    /// <summary>Throws the communicator's asynchronous error, if it has one (a dead peer, a network failure).</summary>
    public void ThrowIfFailed()
    {
        lock (Gate)
        {
            ThrowIfAborted();
            int result = 0;
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_async_error(Handle, &result));
        }
    }

    /// <summary>
    /// Kills in-flight NCCL work and frees the communicator: the only safe exit after an error. Safe to call from a
    /// watchdog thread while another thread is inside a call on this communicator; idempotent.
    /// </summary>
    public void Abort()
    {
        if (Handle.IsClosed || Handle.IsInvalid)
        {
            _aborted = true;
            return;
        }

        // Make a waiting call return first (no lock: the flag is atomic in the shim), then take the gate.
        _ = NativeMethods.ringattn_nccl_comm_cancel(Handle);
        _aborted = true;
        lock (Gate)
        {
            ShimStatus.Check(Handle.Abort());
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (Gate)
        {
            if (!_aborted && !Handle.IsClosed && !Handle.IsInvalid)
            {
                // A clean exit flushes pending work first; a failure here still frees the handle below.
                _ = NativeMethods.ringattn_nccl_comm_finalize(Handle);
            }

            Handle.Dispose();
        }
    }

    /// <summary>
    /// All-gather, ordered on <paramref name="stream"/> (a cudaStream_t on <see cref="Device"/>): every rank's
    /// <paramref name="send"/> lands in every rank's <paramref name="receive"/>, rank r's at r × send.Bytes. A collective:
    /// every rank calls it with the same byte count.
    /// </summary>
    public void AllGather(DeviceTensor send, DeviceTensor receive, nint stream)
    {
        RequireRoom(receive, nameof(receive), send.Bytes * Size);
        using SafeCudaStreamHandle borrowed = SafeCudaStreamHandle.Borrow(stream);
        AllGather(send.Pointer, receive.Pointer, send.Bytes, borrowed);
    }

    /// <summary>
    /// Gather to <paramref name="root"/>, ordered on <paramref name="stream"/>: rank r's <paramref name="send"/> lands in
    /// the root's <paramref name="receive"/> at r × send.Bytes; other ranks may pass a null <paramref name="receive"/>.
    /// A collective: every rank calls it with the same byte count and root.
    /// </summary>
    public void Gather(DeviceTensor send, DeviceTensor receive, int root, nint stream)
    {
        if (Rank == root)
        {
            RequireRoom(receive, nameof(receive), send.Bytes * Size);
        }

        using SafeCudaStreamHandle borrowed = SafeCudaStreamHandle.Borrow(stream);
        Gather(send.Pointer, receive.Pointer, send.Bytes, root, borrowed);
    }

    /// <summary>Gathers <paramref name="bytes"/> from every rank into <paramref name="receive"/> (Size × bytes, in rank order).</summary>
    internal void AllGather(nint send, nint receive, long bytes, SafeCudaStreamHandle stream)
    {
        lock (Gate)
        {
            ThrowIfAborted();
            ShimStatus.Check(NativeMethods.ringattn_nccl_all_gather(Handle, (void*)send, (void*)receive, (nuint)bytes, stream));
        }
    }

    /// <summary>Gathers <paramref name="bytes"/> from every rank into <paramref name="root"/>'s <paramref name="receive"/> (ignored elsewhere).</summary>
    internal void Gather(nint send, nint receive, long bytes, int root, SafeCudaStreamHandle stream)
    {
        lock (Gate)
        {
            ThrowIfAborted();
            ShimStatus.Check(NativeMethods.ringattn_nccl_gather(Handle, (void*)send, (void*)receive, (nuint)bytes, root, stream));
        }
    }

    /// <summary>Sums <paramref name="count"/>-element block r of every rank's <paramref name="send"/> into rank r's <paramref name="receive"/>.</summary>
    internal void ReduceScatter(nint send, nint receive, long count, DeviceElementType type, SafeCudaStreamHandle stream)
    {
        lock (Gate)
        {
            ThrowIfAborted();
            ShimStatus.Check(NativeMethods.ringattn_nccl_reduce_scatter(Handle, (void*)send, (void*)receive, (nuint)count, NativeCodes.DataType(type), stream));
        }
    }

    /// <summary>Block j (<paramref name="bytes"/>) of <paramref name="send"/> to rank j; block j of <paramref name="receive"/> from rank j.</summary>
    internal void AllToAll(nint send, nint receive, long bytes, SafeCudaStreamHandle stream)
    {
        lock (Gate)
        {
            ThrowIfAborted();
            ShimStatus.Check(NativeMethods.ringattn_nccl_all_to_all(Handle, (void*)send, (void*)receive, (nuint)bytes, stream));
        }
    }

    /// <summary>One ring step's send to the next rank and receive from the previous one (see ringattn_nccl_ring_exchange).</summary>
    internal void RingExchange(nint send, nint receive, long bytes, RingDirection direction, SafeCudaStreamHandle stream)
    {
        lock (Gate)
        {
            ThrowIfAborted();
            ShimStatus.Check(NativeMethods.ringattn_nccl_ring_exchange(Handle, (void*)send, (void*)receive, (nuint)bytes, NativeCodes.Direction(direction), stream));
        }
    }

    private static void RequireRoom(DeviceTensor tensor, string name, long bytes)
    {
        if (tensor.Bytes < bytes)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} holds {tensor.Bytes} bytes; the gathered data needs {bytes}."), name);
        }
    }

    private void ThrowIfAborted()
    {
        if (_aborted)
        {
            throw new NcclException(string.Create(
                CultureInfo.InvariantCulture, $"The NCCL communicator of rank {Rank} of {Size} was aborted after a failure; no further call can run on it."));
        }
    }
}
