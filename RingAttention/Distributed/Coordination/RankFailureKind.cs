namespace RingAttention.Distributed.Coordination;

/// <summary>
/// How a rank of the job was found to have failed after the job formed. A rank that never joins is not among them:
/// the job never forms, and <see cref="RankCoordinator.Join"/> throws a <see cref="CoordinatorException"/> naming it.
/// </summary>
public enum RankFailureKind
{
    /// <summary>The rank's connection closed without <see cref="RankCoordinator.Leave"/>: its process died or was killed.</summary>
    Died,

    /// <summary>The rank called <see cref="RankCoordinator.ReportFailure"/>.</summary>
    Reported,

    /// <summary>The rank sent no heartbeat within <see cref="CoordinatorOptions.PeerTimeout"/>: hung, frozen or cut off.</summary>
    Silent,

    /// <summary>Rank 0's coordinator closed the connection or went silent; nobody can tell this rank about the others any more.</summary>
    CoordinatorLost,
}
