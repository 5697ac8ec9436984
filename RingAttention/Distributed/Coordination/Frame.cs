namespace RingAttention.Distributed.Coordination;

/// <summary>One received frame: its kind and the bytes after the kind.</summary>
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
