using RingAttention.Backends;

namespace RingAttention.Threading;

/// <summary>
/// The host-side meeting point of N rank threads, one mailbox per (rank, channel). A sender posts a parcel (a buffer,
/// or a device pointer with its ready event) into the receiver's mailbox; the receiver takes it, moves the data and
/// hands the sender a receipt (nothing, or the event after which the sender may reuse its buffer). A failure anywhere
/// cancels every wait, and a wait that outlasts the timeout fails the ring, so no rank can hang on a dead neighbour.
/// </summary>
/// <typeparam name="TParcel">What a send carries.</typeparam>
/// <typeparam name="TReceipt">What the receiver hands back to the sender.</typeparam>
internal class RankRendezvous<TParcel, TReceipt> : RankHub
{
    private static readonly int ChannelCount = Enum.GetValues<RingChannel>().Length;

    private readonly Mailbox[] _mailboxes;

    /// <summary>A rendezvous for <paramref name="size"/> ranks whose waits give up after <paramref name="timeout"/>.</summary>
    public RankRendezvous(int size, TimeSpan timeout)
        : base(size, timeout)
    {
        _mailboxes = new Mailbox[size * ChannelCount];
        for (int i = 0; i < _mailboxes.Length; i++)
        {
            _mailboxes[i] = new Mailbox();
        }
    }

    /// <inheritdoc />
    protected override void ResetMembers()
    {
        foreach (Mailbox mailbox in _mailboxes)
        {
            mailbox.Clear();
        }
    }

    /// <summary>Leaves <paramref name="parcel"/> in the mailbox of <paramref name="target"/> on <paramref name="channel"/>.</summary>
    public void Post(int sender, int target, RingChannel channel, TParcel parcel)
    {
        Mailbox inbox = MailboxOf(target, channel);
        inbox.Parcel = parcel;
        inbox.Sender = sender;
        inbox.Arrived.Release();
    }

    /// <summary>Waits for the parcel addressed to <paramref name="rank"/> on <paramref name="channel"/> and takes it.</summary>
    public TParcel Take(int rank, RingChannel channel, out int sender)
    {
        Mailbox mine = MailboxOf(rank, channel);
        WaitFor(mine.Arrived, rank, channel, "the incoming buffer");
        TParcel parcel = mine.Parcel;
        sender = mine.Sender;
        mine.Parcel = default!;
        return parcel;
    }

    /// <summary>Tells <paramref name="sender"/> that its parcel on <paramref name="channel"/> was taken.</summary>
    public void Acknowledge(int sender, RingChannel channel, TReceipt receipt)
    {
        Mailbox outbox = MailboxOf(sender, channel);
        outbox.Receipt = receipt;
        outbox.Taken.Release();
    }

    /// <summary>Waits until the receiver took this rank's last parcel on <paramref name="channel"/>.</summary>
    public TReceipt AwaitReceipt(int rank, RingChannel channel)
    {
        Mailbox mine = MailboxOf(rank, channel);
        WaitFor(mine.Taken, rank, channel, "the receiver to take this rank's buffer");
        TReceipt receipt = mine.Receipt;
        mine.Receipt = default!;
        return receipt;
    }

    /// <summary>Releases the mailboxes' wait handles.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (Mailbox mailbox in _mailboxes)
            {
                mailbox.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private Mailbox MailboxOf(int rank, RingChannel channel) => _mailboxes[(rank * ChannelCount) + (int)channel];

    private void WaitFor(SemaphoreSlim signal, int rank, RingChannel channel, string what) =>
        Wait(signal, rank, what, "on", channel, "ring");

    /// <summary>One rank's inbox on one channel, and the receipt of its own last send.</summary>
    private sealed class Mailbox : IDisposable
    {
        public TParcel Parcel { get; set; } = default!;

        public int Sender { get; set; }

        public TReceipt Receipt { get; set; } = default!;

        public SemaphoreSlim Arrived { get; private set; } = new(0);

        public SemaphoreSlim Taken { get; private set; } = new(0);

        public void Clear()
        {
            Parcel = default!;
            Receipt = default!;
            Arrived.Dispose();
            Taken.Dispose();
            Arrived = new SemaphoreSlim(0);
            Taken = new SemaphoreSlim(0);
        }

        public void Dispose()
        {
            Arrived.Dispose();
            Taken.Dispose();
        }
    }
}
