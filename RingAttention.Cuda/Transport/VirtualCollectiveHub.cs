using RingAttention.Interop;
using RingAttention.Threading;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// The meeting point of N virtual ranks (threads on one GPU) for collectives. A member posts its send buffer with the
/// event recorded once the buffer was written; once all have posted, each enqueues its own reads of the others'
/// buffers (its stream waits on their events) and posts the event recorded after them; once all have, each member's
/// stream waits on the others' events before it may overwrite its send buffer. The host only exchanges handles, every
/// data dependency is a CUDA event. A failure cancels every wait; a wait past the timeout fails the group.
/// </summary>
internal sealed class VirtualCollectiveHub : RankBarrierHub
{
    private readonly VirtualRankParcel[] _posted;
    private readonly SafeCudaEventHandle?[] _read;

    /// <summary>A hub for <paramref name="size"/> members whose waits give up after <paramref name="timeout"/>.</summary>
    public VirtualCollectiveHub(int size, TimeSpan timeout)
        : base(size, timeout)
    {
        _posted = new VirtualRankParcel[size];
        _read = new SafeCudaEventHandle?[size];
    }

    /// <inheritdoc />
    protected override void ClearPosted()
    {
        Array.Clear(_posted);
        Array.Clear(_read);
    }

    /// <summary>Posts member <paramref name="rank"/>'s send buffer and waits until every member has posted.</summary>
    public void Post(int rank, in VirtualRankParcel parcel, string operation)
    {
        _posted[rank] = parcel;
        Meet(rank, operation, "every member to post its buffer");
    }

    /// <summary>What <paramref name="member"/> posted; valid between <see cref="Post"/> and <see cref="Finish"/>.</summary>
    public VirtualRankParcel PostedBy(int member) => _posted[member];

    /// <summary>Posts the event after member <paramref name="rank"/>'s reads and waits until every member has.</summary>
    public void Finish(int rank, SafeCudaEventHandle read, string operation)
    {
        _read[rank] = read;
        Meet(rank, operation, "every member to enqueue its reads");
    }

    /// <summary>The event after <paramref name="member"/>'s reads; valid after <see cref="Finish"/>, until the next one.</summary>
    public SafeCudaEventHandle ReadBy(int member) => _read[member]!;
}
