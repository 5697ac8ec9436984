namespace RingAttention.Distributed.Coordination;

/// <summary>One received frame: its kind and the bytes after the kind.</summary>
/// <remarks>
/// The wire protocol, on one TCP connection per rank to rank 0's coordinator:
/// <list type="number">
/// <item>The rank sends the 8 bytes "RINGATT1", then frames; the coordinator drops a connection at its first byte that differs, or after the handshake timeout.</item>
/// <item>A frame is a little-endian int32 length (of what follows, at most <see cref="MaxLength"/>), a <see cref="FrameKind"/> byte, and fields: int32, uint16, or int32-length-prefixed bytes and UTF-8 strings.</item>
/// <item>The first frame is <see cref="FrameKind.Hello"/> (uint16 version, job id, rank, world size, fingerprint); a rank of another job or version is answered <see cref="FrameKind.Rejected"/> alone.</item>
/// <item>When all ranks are in, each gets <see cref="FrameKind.Welcome"/> (rank 0's payload) or, if they disagree or one is missing at the deadline, <see cref="FrameKind.Rejected"/> with the reason.</item>
/// <item>Then both sides send <see cref="FrameKind.Heartbeat"/> every interval; ranks send ReportFailure and Leave (answered LeaveAck); the coordinator sends the job's first <see cref="FrameKind.Failure"/> to every rank.</item>
/// </list>
/// </remarks>
internal readonly record struct Frame(FrameKind Kind, byte[] Body)
{
    /// <summary>
    /// The largest frame either side accepts (kind and body). Every real frame is far smaller (an NCCL unique id is
    /// 128 bytes); the cap keeps a stranger's four random bytes from making a side allocate gigabytes.
    /// </summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>Bytes before the body: a little-endian 32-bit length (of kind and body), then the kind.</summary>
    public const int HeaderLength = 5;
}
