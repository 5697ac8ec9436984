namespace RingAttention.Distributed;

/// <summary>What each launcher's reader extracts: the group's shape and where its rendezvous listens.</summary>
internal sealed record ProcessGroupLayout(
    int Rank,
    int WorldSize,
    int LocalRank,
    int LocalWorldSize,
    int NodeRank,
    int NodeCount,
    string MasterAddress,
    int MasterPort);
