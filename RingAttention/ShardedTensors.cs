namespace RingAttention;

/// <summary>
/// One rank's view of bundles that hold one tensor per rank: how a plan's rank threads read the call's tensors
/// without closures or copies of nine lists (nothing here allocates).
/// </summary>
internal static class ShardedTensors
{
    /// <summary>Rank <paramref name="rank"/>'s forward tensors.</summary>
    public static ForwardTensors<TTensor> ForRank<TTensor>(this in ForwardTensors<IReadOnlyList<TTensor>> shards, int rank) =>
        new(shards.Query[rank], shards.Key[rank], shards.Value[rank], shards.Output[rank], shards.Lse[rank]);

    /// <summary>Rank <paramref name="rank"/>'s backward tensors.</summary>
    public static BackwardTensors<TTensor> ForRank<TTensor>(this in BackwardTensors<IReadOnlyList<TTensor>> shards, int rank) =>
        new(
            shards.Query[rank],
            shards.Key[rank],
            shards.Value[rank],
            shards.Output[rank],
            shards.Lse[rank],
            shards.OutputGradient[rank],
            shards.QueryGradient[rank],
            shards.KeyGradient[rank],
            shards.ValueGradient[rank]);
}
