using RingAttention.Threading;

namespace RingAttention.Strategies;

/// <summary>
/// The meeting point of N CPU rank threads for collectives: each member posts its send buffer, waits until all have
/// posted, reads what it needs from the others' buffers, and waits again until all have read, after which every send
/// buffer may be reused. A failure cancels every wait; a wait past the timeout fails the group, so no member hangs.
/// </summary>
internal sealed class ThreadCollectiveHub : RankBarrierHub
{
    private readonly Memory<float>[] _posted;

    /// <summary>A hub for <paramref name="size"/> members whose waits give up after <paramref name="timeout"/>.</summary>
    public ThreadCollectiveHub(int size, TimeSpan timeout)
        : base(size, timeout)
    {
        _posted = new Memory<float>[size];
    }

    /// <inheritdoc />
    protected override void ClearPosted()
    {
        Array.Clear(_posted);
    }

    /// <summary>
    /// First half of one collective for <paramref name="rank"/>: posts <paramref name="send"/> and returns every
    /// member's posted buffer once all have posted. The caller reads what it needs, then calls <see cref="Leave"/>.
    /// Split in two (rather than taking a callback) so that a collective allocates nothing.
    /// </summary>
    public ReadOnlySpan<Memory<float>> Arrive(int rank, Memory<float> send, string operation)
    {
        _posted[rank] = send;
        Meet(rank, operation, "every member to post its buffer");
        return _posted;
    }

    /// <summary>Second half: waits until every member has read, after which every send buffer may be reused.</summary>
    public void Leave(int rank, string operation) => Meet(rank, operation, "every member to read the buffers");
}
