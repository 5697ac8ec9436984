namespace RingAttention.Threading;

/// <summary>What the rank threads need of a ring's rendezvous: stop everyone on a failure, start clean after one.</summary>
internal interface IRankFailureSignal
{
    /// <summary>Number of ranks.</summary>
    int Size { get; }

    /// <summary>Cancels every wait of every rank.</summary>
    void Fail();

    /// <summary>Makes the rendezvous usable again after a failed run.</summary>
    void Reset();
}
