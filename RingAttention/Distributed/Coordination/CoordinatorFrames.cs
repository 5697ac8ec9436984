namespace RingAttention.Distributed.Coordination;

/// <summary>The frames after the hello: how each is written, and how the ones with a body are read.</summary>
internal static class CoordinatorFrames
{
    /// <summary>A heartbeat frame; the same bytes every time.</summary>
    public static readonly byte[] Heartbeat = new FrameWriter(FrameKind.Heartbeat).ToArray();

    /// <summary>A leave frame.</summary>
    public static readonly byte[] Leave = new FrameWriter(FrameKind.Leave).ToArray();

    /// <summary>A leave acknowledgement frame.</summary>
    public static readonly byte[] LeaveAck = new FrameWriter(FrameKind.LeaveAck).ToArray();

    /// <summary>The job formed; <paramref name="payload"/> is rank 0's.</summary>
    public static byte[] Welcome(ReadOnlySpan<byte> payload) => new FrameWriter(FrameKind.Welcome).Bytes(payload).ToArray();

    /// <summary>This rank, or the whole job, cannot go on, because of <paramref name="message"/>.</summary>
    public static byte[] Rejected(string message) => new FrameWriter(FrameKind.Rejected).String(message).ToArray();

    /// <summary>The sending rank failed because of <paramref name="reason"/>.</summary>
    public static byte[] ReportFailure(string reason) => new FrameWriter(FrameKind.ReportFailure).String(reason).ToArray();

    /// <summary>The job's first failure, for every rank.</summary>
    public static byte[] Failure(RankFailure failure) =>
        new FrameWriter(FrameKind.Failure).Int32(failure.Rank).Int32((int)failure.Kind).String(failure.Message).ToArray();

    /// <summary>Reads a body that holds one string (<see cref="FrameKind.Rejected"/>, <see cref="FrameKind.ReportFailure"/>).</summary>
    public static string ReadText(byte[] body)
    {
        var reader = new FrameReader(body);
        string text = reader.String();
        reader.End();
        return text;
    }

    /// <summary>Reads a <see cref="FrameKind.Welcome"/> body.</summary>
    public static byte[] ReadWelcome(byte[] body)
    {
        var reader = new FrameReader(body);
        byte[] payload = reader.Bytes().ToArray();
        reader.End();
        return payload;
    }

    /// <summary>Reads a <see cref="FrameKind.Failure"/> body.</summary>
    public static RankFailure ReadFailure(byte[] body)
    {
        var reader = new FrameReader(body);
        int rank = reader.Int32();
        int kind = reader.Int32();
        string message = reader.String();
        reader.End();
        if (!Enum.IsDefined((RankFailureKind)kind))
        {
            throw new InvalidDataException(CoordinatorText.Format($"A failure frame names an unknown failure kind {kind}."));
        }

        return new RankFailure(rank, (RankFailureKind)kind, message);
    }
}
