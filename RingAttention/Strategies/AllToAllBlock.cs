namespace RingAttention.Strategies;

/// <summary>
/// One block of an all-to-all between sequence shards and head shards, as seen by one member of the group.
/// Scatter (sequence to heads: Q, K, V, dO): the member sends its L local rows of <see cref="Heads"/> to
/// <see cref="Peer"/>, and receives <see cref="Peer"/>'s L local rows of its own heads into gathered rows
/// [<see cref="Rows"/>] (rank order; <see cref="GatheredSequenceOrder"/> then puts them in sequence order).
/// Gather (heads to sequence: O, dQ, dK, dV) is the same block travelling back.
/// </summary>
/// <param name="Peer">The other member, in [0, group size).</param>
/// <param name="Rows">The peer's rows in the head-sharded (gathered, rank-order) buffer: [Peer·L, (Peer+1)·L).</param>
/// <param name="Heads">The global heads sent to <see cref="Peer"/> in a scatter: the peer's head shard (what comes in is always the member's own shard).</param>
internal readonly record struct AllToAllBlock(int Peer, RowRange Rows, HeadRange Heads);
