using Microsoft.Extensions.Logging;

namespace RingAttention.Distributed.Coordination;

/// <summary>Deadlines of a <see cref="RankCoordinator"/>: how long ranks may take to meet, and how quickly a dead peer is noticed.</summary>
public sealed class CoordinatorOptions
{
    /// <summary>All ranks must check in within this (default 60 s); otherwise every rank that did fails, naming the missing ones.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often each side of a connection says it is alive (default 1 s).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A peer silent this long is declared dead (default 5 s). Keep it a few heartbeats long, so one late heartbeat
    /// is not a death, and well under 10 s, so a hung job is noticed before anyone reaches for kill.
    /// </summary>
    public TimeSpan PeerTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A connection that has not introduced itself within this (default 2 s) is dropped: a stranger must not stall the job.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long rank 0 waits in <see cref="RankCoordinator.Leave"/> for the other ranks to leave before it closes the coordinator (default 30 s).</summary>
    public TimeSpan LeaveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the coordinator logs: joins and failures at Information, handshakes and dropped strangers at Debug; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Throws if a deadline is not positive or the peer timeout does not leave room for a late heartbeat.</summary>
    internal void Validate()
    {
        RequirePositive(JoinTimeout, nameof(JoinTimeout));
        RequirePositive(HeartbeatInterval, nameof(HeartbeatInterval));
        RequirePositive(PeerTimeout, nameof(PeerTimeout));
        RequirePositive(HandshakeTimeout, nameof(HandshakeTimeout));
        RequirePositive(LeaveTimeout, nameof(LeaveTimeout));
        if (PeerTimeout < 2 * HeartbeatInterval)
        {
            throw new ArgumentException(
                CoordinatorText.Format($"PeerTimeout ({PeerTimeout.TotalSeconds:0.###} s) must be at least two heartbeat intervals ({HeartbeatInterval.TotalSeconds:0.###} s each), or one late heartbeat would look like a death."),
                nameof(PeerTimeout));
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, CoordinatorText.Format($"{name} must be positive."));
        }
    }
}
