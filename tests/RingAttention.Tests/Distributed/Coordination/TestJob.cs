using System.Net;
using System.Net.Sockets;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Tests.Distributed.Coordination;

/// <summary>A job on a free loopback port with short deadlines, whose coordinators are all closed at the end of the test.</summary>
internal sealed class TestJob : IDisposable
{
    public const string Address = "127.0.0.1";
    public const string JobId = "test-job";
    public const string Fingerprint = "ringattention 0.1.0; world 4";

    private readonly List<RankCoordinator> _joined = [];

    public TestJob(int worldSize, CoordinatorOptions? options = null)
    {
        WorldSize = worldSize;
        Options = options ?? Fast;
        Port = FreePort();
        Payload = new byte[128]; // the size of an NCCL unique id
        Random.Shared.NextBytes(Payload);
    }

    /// <summary>Deadlines short enough for the whole class to run in seconds, long enough for a loaded two-core runner.</summary>
    public static CoordinatorOptions Fast { get; } = new()
    {
        JoinTimeout = TimeSpan.FromSeconds(5),
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        PeerTimeout = TimeSpan.FromSeconds(1),
        HandshakeTimeout = TimeSpan.FromMilliseconds(500),
        LeaveTimeout = TimeSpan.FromSeconds(2),
        LoggerFactory = new TestOutputLoggerFactory(),
    };

    public int WorldSize { get; }

    public CoordinatorOptions Options { get; }

    public int Port { get; }

    public byte[] Payload { get; }

    public string Where => $"{Address}:{Port}";

    /// <summary>A port nobody listens on right now: bind port 0, read what the kernel chose, let it go.</summary>
    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public RankCoordinator Join(int rank, int? worldSize = null, string jobId = JobId, string fingerprint = Fingerprint)
    {
        RankCoordinator coordinator = RankCoordinator.Join(rank, worldSize ?? WorldSize, Address, Port, jobId, Payload, fingerprint, Options);
        lock (_joined)
        {
            _joined.Add(coordinator);
        }

        return coordinator;
    }

    /// <summary>Every rank joins on its own thread; all must succeed.</summary>
    public RankCoordinator[] JoinAll()
    {
        RankOutcome<RankCoordinator>[] outcomes = RankThreadsForTests.Run(WorldSize, rank => Join(rank));
        Assert.All(outcomes, outcome => Assert.Null(outcome.Error));
        return [.. outcomes.Select(outcome => outcome.Value!)];
    }

    /// <summary>Each rank of <paramref name="ranks"/> joins on its own thread; all must fail, and their exceptions are returned.</summary>
    public CoordinatorException[] JoinAllFailing(int[] ranks, Func<int, int>? worldSizeOf = null, Func<int, string>? fingerprintOf = null)
    {
        RankOutcome<RankCoordinator>[] outcomes = RankThreadsForTests.Run(ranks.Length, i =>
            Join(ranks[i], worldSizeOf?.Invoke(i), fingerprint: fingerprintOf?.Invoke(i) ?? Fingerprint));
        return [.. outcomes.Select(outcome => Assert.IsType<CoordinatorException>(outcome.Error))];
    }

    /// <summary>Closes what the test left open, every rank at once (rank 0 waits for the others to leave).</summary>
    public void Dispose()
    {
        RankCoordinator[] joined;
        lock (_joined)
        {
            joined = [.. _joined];
        }

        RankThreadsForTests.RunAll(joined.Length, i => joined[i].Dispose());
    }
}
