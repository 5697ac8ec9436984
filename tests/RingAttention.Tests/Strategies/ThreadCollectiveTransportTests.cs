using System.Diagnostics;
using RingAttention.Strategies;
using RingAttention.Threading;

namespace RingAttention.Tests.Strategies;

public sealed class ThreadCollectiveTransportTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void All_gather_reduce_scatter_and_all_to_all_move_the_right_blocks(int size)
    {
        const int block = 5;
        using var hub = new ThreadCollectiveHub(size, TimeSpan.FromSeconds(30));
        using var threads = new RankThreads(hub);
        threads.Run(rank =>
        {
            var transport = new ThreadCollectiveTransport(hub, rank);
            float[] mine = Enumerable.Range(0, block).Select(i => (float)((rank * 10) + i)).ToArray();
            float[] gathered = new float[size * block];
            transport.AllGather(mine, gathered);
            Assert.Equal(Enumerable.Range(0, size).SelectMany(r => Enumerable.Range(0, block).Select(i => (float)((r * 10) + i))), gathered);

            // Block j of member r holds r·100 + j; member j receives the sum over r.
            float[] blocks = Enumerable.Range(0, size * block).Select(e => (float)((rank * 100) + (e / block))).ToArray();
            float[] reduced = new float[block];
            transport.ReduceScatterSum(blocks, reduced);
            float expectedSum = Enumerable.Range(0, size).Sum(r => (r * 100) + rank);
            Assert.All(reduced, value => Assert.Equal(expectedSum, value));

            // Block j of member r goes to j; member j's block s came from s.
            float[] received = new float[size * block];
            transport.AllToAll(blocks, received);
            Assert.Equal(Enumerable.Range(0, size * block).Select(e => (float)(((e / block) * 100) + rank)), received);
        });
    }

    [Fact]
    public void A_member_that_throws_stops_the_others_instead_of_hanging()
    {
        using var hub = new ThreadCollectiveHub(3, TimeSpan.FromSeconds(30));
        using var threads = new RankThreads(hub);
        var clock = Stopwatch.StartNew();
        RingFailedException e = Assert.Throws<RingFailedException>(() => threads.Run(rank =>
        {
            if (rank == 1)
            {
                throw new InvalidOperationException("injected failure");
            }

            new ThreadCollectiveTransport(hub, rank).AllGather(new float[1], new float[3]);
        }));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the group took {clock.Elapsed} to fail");
        Assert.Equal(1, e.Rank);
        Assert.Equal("injected failure", Assert.IsType<InvalidOperationException>(e.InnerException).Message);

        // The hub works again after the failure.
        threads.Run(rank => new ThreadCollectiveTransport(hub, rank).AllToAll(new float[3], new float[3]));
    }

    [Fact]
    public void A_member_that_never_arrives_times_out()
    {
        using var hub = new ThreadCollectiveHub(2, TimeSpan.FromMilliseconds(200));
        using var threads = new RankThreads(hub);
        RingFailedException e = Assert.Throws<RingFailedException>(() => threads.Run(rank =>
        {
            if (rank == 0)
            {
                new ThreadCollectiveTransport(hub, 0).ReduceScatterSum(new float[2], new float[1]);
            }
        }));

        Assert.IsType<TimeoutException>(e.InnerException);
    }

    [Fact]
    public void Mismatched_buffers_are_refused_before_any_wait()
    {
        using var hub = new ThreadCollectiveHub(2, TimeSpan.FromSeconds(30));
        var transport = new ThreadCollectiveTransport(hub, 0);
        Assert.Throws<ArgumentException>(() => transport.AllGather(new float[2], new float[3]));
        Assert.Throws<ArgumentException>(() => transport.AllToAll(new float[4], new float[2]));
    }
}
