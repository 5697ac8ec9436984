using static RingAttention.Distributed.ProcessGroupVariables;

namespace RingAttention.Distributed;

/// <summary>
/// Reads torchrun's worker variables (also what <c>ringattn launch</c> sets). torchrun always sets
/// LOCAL_WORLD_SIZE, GROUP_RANK and GROUP_WORLD_SIZE; other tools that imitate it often set only RANK,
/// WORLD_SIZE, LOCAL_RANK and the master, so the rest is derived assuming torchrun's node-major ranks
/// (global rank = node * local world size + local rank) and equal nodes.
/// </summary>
internal static class TorchrunVariables
{
    /// <summary>Reads and validates the layout.</summary>
    public static ProcessGroupLayout Read(VariableReader variables)
    {
        int worldSize = variables.Count(WorldSize);
        string worldSource = VariableReader.Invariant($"{WorldSize}={worldSize}");
        int rank = variables.Index(Rank, worldSize, worldSource);
        int? nodeCount = variables.OptionalCount(GroupWorldSize);

        int localWorldSize = variables.OptionalCount(LocalWorldSize) ?? DeriveLocalWorldSize(variables, worldSize, nodeCount);
        string localSource = variables.Has(LocalWorldSize)
            ? VariableReader.Invariant($"{LocalWorldSize}={localWorldSize}")
            : VariableReader.Invariant($"{LocalWorldSize} (not set, taken as {localWorldSize})");
        if (localWorldSize > worldSize)
        {
            throw variables.Fail(VariableReader.Invariant($"{LocalWorldSize}={localWorldSize} is larger than {worldSource}"));
        }

        int localRank = variables.Index(LocalRank, localWorldSize, localSource);
        int nodes = nodeCount ?? ((worldSize + localWorldSize - 1) / localWorldSize);
        string nodesSource = nodeCount is null
            ? VariableReader.Invariant($"{GroupWorldSize} (not set, taken as {nodes})")
            : VariableReader.Invariant($"{GroupWorldSize}={nodes}");
        int nodeRank = variables.Has(GroupRank) ? variables.Index(GroupRank, nodes, nodesSource) : rank / localWorldSize;

        return new ProcessGroupLayout(
            rank, worldSize, localRank, localWorldSize, nodeRank, nodes, variables.Required(MasterAddress), variables.Port(MasterPort));
    }

    /// <summary>Without LOCAL_WORLD_SIZE: the world split evenly over GROUP_WORLD_SIZE nodes, or one node holding all.</summary>
    private static int DeriveLocalWorldSize(VariableReader variables, int worldSize, int? nodeCount)
    {
        if (nodeCount is not int nodes)
        {
            return worldSize;
        }

        return worldSize % nodes == 0
            ? worldSize / nodes
            : throw variables.Fail(VariableReader.Invariant(
                $"{LocalWorldSize} is not set and {WorldSize}={worldSize} does not split evenly over {GroupWorldSize}={nodes} nodes"));
    }
}
