namespace RingAttention.Distributed.Coordination;

/// <summary>What a rank says when it checks in: which protocol it speaks, which job it belongs to, who it is, and its fingerprint.</summary>
internal sealed record Hello(int ProtocolVersion, string JobId, int Rank, int WorldSize, string Fingerprint)
{
    /// <summary>
    /// Bumped whenever a frame's layout changes. The magic stays, so a rank of another version is refused with a
    /// message rather than dropped as a stranger.
    /// </summary>
    public const int CurrentProtocolVersion = 1;

    /// <summary>The first bytes of every connection to a coordinator; anything else is a stranger.</summary>
    public static ReadOnlySpan<byte> Magic => "RINGATT1"u8;

    /// <summary>The magic followed by the hello frame: everything a rank sends before it hears back.</summary>
    public byte[] ToGreeting()
    {
        byte[] frame = new FrameWriter(FrameKind.Hello)
            .UInt16(checked((ushort)ProtocolVersion)).String(JobId).Int32(Rank).Int32(WorldSize).String(Fingerprint)
            .ToArray();
        return [.. Magic, .. frame];
    }

    /// <summary>Reads a hello body. The version comes first, so a later version's layout is never misread as this one's.</summary>
    public static Hello Parse(ReadOnlySpan<byte> body)
    {
        var reader = new FrameReader(body);
        int version = reader.UInt16();
        if (version != CurrentProtocolVersion)
        {
            return new Hello(version, string.Empty, -1, 0, string.Empty);
        }

        var hello = new Hello(version, reader.String(), reader.Int32(), reader.Int32(), reader.String());
        reader.End();
        return hello;
    }
}
