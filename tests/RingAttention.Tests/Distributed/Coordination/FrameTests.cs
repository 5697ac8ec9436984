using System.Buffers.Binary;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Tests.Distributed.Coordination;

public sealed class FrameTests
{
    [Fact]
    public void A_greeting_is_the_magic_then_a_hello_frame_that_reads_back_the_same()
    {
        var hello = new Hello(Hello.CurrentProtocolVersion, "job-7", 3, 8, "ringattention 0.1.0; ü");

        byte[] greeting = hello.ToGreeting();

        Assert.Equal("RINGATT1"u8.ToArray(), greeting[..8]);
        int length = BinaryPrimitives.ReadInt32LittleEndian(greeting.AsSpan(8));
        Assert.Equal(greeting.Length - 12, length);
        Assert.Equal((byte)FrameKind.Hello, greeting[12]);
        Assert.Equal(hello, Hello.Parse(greeting.AsSpan(13)));
    }

    [Fact]
    public void A_failure_frame_reads_back_the_same()
    {
        var failure = new RankFailure(5, RankFailureKind.Silent, "rank 5 sent no heartbeat for 5 s");

        byte[] frame = CoordinatorFrames.Failure(failure);

        Assert.Equal((byte)FrameKind.Failure, frame[4]);
        Assert.Equal(failure, CoordinatorFrames.ReadFailure(frame[5..]));
    }

    [Fact]
    public void Short_long_or_foreign_bodies_are_invalid_data()
    {
        byte[] body = CoordinatorFrames.Rejected("no")[5..];

        Assert.Equal("no", CoordinatorFrames.ReadText(body));
        Assert.Throws<InvalidDataException>(() => CoordinatorFrames.ReadText(body[..^1]));
        Assert.Throws<InvalidDataException>(() => CoordinatorFrames.ReadText([.. body, 0]));
        Assert.Throws<InvalidDataException>(() => CoordinatorFrames.ReadText([0xFF, 0xFF, 0xFF, 0xFF]));
        Assert.Throws<InvalidDataException>(() => CoordinatorFrames.ReadText([2, 0, 0, 0, 0xC3, 0x28]));
        Assert.Throws<InvalidDataException>(() => CoordinatorFrames.ReadFailure(new FrameWriter(FrameKind.Failure).Int32(1).Int32(99).String("x").ToArray()[5..]));
    }

    [Fact]
    public void A_frame_over_the_limit_is_not_written()
    {
        Assert.Throws<InvalidOperationException>(() => CoordinatorFrames.Welcome(new byte[Frame.MaxLength]));
    }
}
