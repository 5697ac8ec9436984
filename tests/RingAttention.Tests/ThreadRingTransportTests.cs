using RingAttention.Backends;
using RingAttention.Cpu;

namespace RingAttention.Tests;

public sealed class ThreadRingTransportTests
{
    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(5, true)]
    [InlineData(5, false)]
    public void Each_rank_receives_its_neighbours_buffer_on_every_step(int size, bool forward)
    {
        // RingDirection is internal, and a public test method cannot take it as a parameter.
        RingDirection direction = forward ? RingDirection.Forward : RingDirection.Backward;
        using var hub = new ThreadRingHub(size, TimeSpan.FromSeconds(30));
        var seen = new int[size, size];
        ThreadedRing.Run(hub, rank =>
        {
            var transport = new ThreadRingTransport(hub, rank);
            float[] current = [rank, rank * 10f];
            float[] next = new float[2];
            for (int step = 0; step < size; step++)
            {
                seen[rank, step] = (int)current[0];
                Assert.Equal(current[0] * 10f, current[1]);
                transport.Start(RingChannel.KeyValue, direction, current, next);
                transport.Wait(RingChannel.KeyValue);
                (current, next) = (next, current);
            }
        });

        for (int rank = 0; rank < size; rank++)
        {
            for (int step = 0; step < size; step++)
            {
                int expected = direction == RingDirection.Forward ? RingSchedule.ForwardSource(rank, step, size) : RingSchedule.BackwardSource(rank, step, size);
                Assert.Equal(expected, seen[rank, step]);
            }
        }
    }

    [Fact]
    public void Two_channels_carry_independent_exchanges_at_once()
    {
        using var hub = new ThreadRingHub(3, TimeSpan.FromSeconds(30));
        var got = new float[3, 2];
        ThreadedRing.Run(hub, rank =>
        {
            var transport = new ThreadRingTransport(hub, rank);
            float[] kv = [rank];
            float[] grad = [100 + rank];
            float[] kvIn = new float[1];
            float[] gradIn = new float[1];
            transport.Start(RingChannel.KeyValue, RingDirection.Backward, kv, kvIn);
            transport.Start(RingChannel.Gradient, RingDirection.Backward, grad, gradIn);
            transport.Wait(RingChannel.Gradient);
            transport.Wait(RingChannel.KeyValue);
            got[rank, 0] = kvIn[0];
            got[rank, 1] = gradIn[0];
        });

        for (int rank = 0; rank < 3; rank++)
        {
            Assert.Equal((rank + 1) % 3, got[rank, 0]);
            Assert.Equal(100 + ((rank + 1) % 3), got[rank, 1]);
        }
    }

    [Fact]
    public void Mismatched_buffer_sizes_fail_the_ring()
    {
        using var hub = new ThreadRingHub(2, TimeSpan.FromSeconds(30));
        RingFailedException e = Assert.Throws<RingFailedException>(() => ThreadedRing.Run(hub, rank =>
        {
            var transport = new ThreadRingTransport(hub, rank);
            transport.Start(RingChannel.KeyValue, RingDirection.Forward, new float[rank + 1], new float[rank + 1]);
            transport.Wait(RingChannel.KeyValue);
        }));
        Assert.Contains("received", e.InnerException!.Message, StringComparison.Ordinal);
    }
}
