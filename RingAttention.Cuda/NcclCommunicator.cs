using System.Globalization;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// One rank's NCCL communicator, for a ring of one rank per GPU. Rank 0 makes the id with <see cref="CreateUniqueId"/>
/// and hands its bytes to every other rank (a file, a socket, a shared variable); every rank then constructs its
/// communicator with the same id, from its own thread or process (construction blocks until all ranks joined).
/// </summary>
public sealed unsafe class NcclCommunicator : IDisposable
{
    /// <summary>Bytes of an NCCL unique id.</summary>
    public const int UniqueIdBytes = 128;

    private bool _aborted;

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

    /// <summary>Number of ranks.</summary>
    public int Size { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>This rank's CUDA device.</summary>
    public int Device { get; }

    internal SafeNcclCommHandle Handle { get; }

    /// <summary>A new NCCL unique id (call on rank 0 only and distribute the bytes).</summary>
    public static byte[] CreateUniqueId()
    {
        ringattn_nccl_unique_id id = default;
        ShimStatus.Check(NativeMethods.ringattn_nccl_get_unique_id(&id));
        return new ReadOnlySpan<byte>(id.bytes, UniqueIdBytes).ToArray();
    }

    /// <summary>Throws the communicator's asynchronous error, if it has one (a dead peer, a network failure).</summary>
    public void ThrowIfFailed()
    {
        int result = 0;
        ShimStatus.Check(NativeMethods.ringattn_nccl_comm_async_error(Handle, &result));
    }

    /// <summary>Kills in-flight NCCL work and frees the communicator: the only safe exit after an error.</summary>
    public void Abort()
    {
        _aborted = true;
        ShimStatus.Check(Handle.Abort());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_aborted && !Handle.IsClosed && !Handle.IsInvalid)
        {
            // A clean exit flushes pending work first; a failure here still frees the handle below.
            _ = NativeMethods.ringattn_nccl_comm_finalize(Handle);
        }

        Handle.Dispose();
    }
}
