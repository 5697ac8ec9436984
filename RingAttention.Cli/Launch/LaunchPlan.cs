namespace RingAttention.Cli.Launch;

/// <summary>Everything <c>ringattn launch</c> needs to start this node's ranks, with every default already resolved.</summary>
internal sealed record LaunchPlan
{
    /// <summary>The program every rank runs (a path, or a name looked up on PATH).</summary>
    public required string Program { get; init; }

    /// <summary>The program's arguments, passed as they are (no shell).</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Ranks on this node.</summary>
    public required int ProcessesPerNode { get; init; }

    /// <summary>Nodes in the group.</summary>
    public int NodeCount { get; init; } = 1;

    /// <summary>This node's index.</summary>
    public int NodeRank { get; init; }

    /// <summary>Host of rank 0's rendezvous.</summary>
    public required string MasterAddress { get; init; }

    /// <summary>Port of rank 0's rendezvous.</summary>
    public required int MasterPort { get; init; }

    /// <summary>Identifies this run in every rank's environment.</summary>
    public required string JobId { get; init; }

    /// <summary>Testing only: every local rank on GPU 0, NCCL kept from treating them as one host.</summary>
    public bool ShareGpu { get; init; }

    /// <summary>How long stopped ranks get between SIGTERM (or the forwarded signal) and SIGKILL.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Processes in the whole group.</summary>
    public int WorldSize => NodeCount * ProcessesPerNode;

    /// <summary>The global rank of local rank <paramref name="localRank"/>: node-major, as torchrun numbers them.</summary>
    public int GlobalRank(int localRank) => (NodeRank * ProcessesPerNode) + localRank;
}
