using System.Globalization;
using RingAttention.Backends;

namespace RingAttention.Cpu;

/// <summary>
/// The meeting point of N rank threads: one mailbox per (rank, channel). A sender leaves a reference to its
/// buffer in the receiver's mailbox; the receiver copies it out and tells the sender its buffer is free again.
/// A failure anywhere cancels every wait, so no rank can hang on a dead neighbour.
/// </summary>
public sealed class ThreadRingHub : IDisposable
{
    private static readonly int ChannelCount = Enum.GetValues<RingChannel>().Length;

    private readonly Mailbox[] _mailboxes;
    private CancellationTokenSource _failure = new();

    /// <summary>A hub for <paramref name="size"/> ranks whose waits give up after <paramref name="timeout"/>.</summary>
    public ThreadRingHub(int size, TimeSpan timeout)
    {
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, string.Create(CultureInfo.InvariantCulture, $"size must be at least 1, got {size}."));
        }

        if (timeout <= TimeSpan.Zero && timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must be positive or infinite.");
        }

        Size = size;
        Timeout = timeout;
        _mailboxes = new Mailbox[size * ChannelCount];
        for (int i = 0; i < _mailboxes.Length; i++)
        {
            _mailboxes[i] = new Mailbox();
        }
    }

    /// <summary>N.</summary>
    public int Size { get; }

    /// <summary>How long one wait may last before the ring is declared failed.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>True once <see cref="Fail"/> was called since the last <see cref="Reset"/>.</summary>
    public bool HasFailed => _failure.IsCancellationRequested;

    internal CancellationToken FailureToken => _failure.Token;

    /// <summary>Cancels every wait of every rank.</summary>
    public void Fail() => _failure.Cancel();

    /// <summary>Makes the hub usable again after a failed run: fresh mailboxes and cancellation.</summary>
    public void Reset()
    {
        if (!HasFailed)
        {
            return; // a clean run leaves every mailbox empty and every count at zero
        }

        _failure.Dispose();
        _failure = new CancellationTokenSource();
        foreach (Mailbox mailbox in _mailboxes)
        {
            mailbox.Clear();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _failure.Dispose();
        foreach (Mailbox mailbox in _mailboxes)
        {
            mailbox.Dispose();
        }
    }

    internal Mailbox MailboxOf(int rank, RingChannel channel) => _mailboxes[(rank * ChannelCount) + (int)channel];

    /// <summary>One rank's inbox on one channel, and the signal that its own last send was consumed.</summary>
    internal sealed class Mailbox : IDisposable
    {
        public Memory<float> Incoming { get; set; }

        public int IncomingFrom { get; set; }

        public SemaphoreSlim Arrived { get; private set; } = new(0);

        public SemaphoreSlim SendConsumed { get; private set; } = new(0);

        public void Clear()
        {
            Incoming = default;
            Arrived.Dispose();
            SendConsumed.Dispose();
            Arrived = new SemaphoreSlim(0);
            SendConsumed = new SemaphoreSlim(0);
        }

        public void Dispose()
        {
            Arrived.Dispose();
            SendConsumed.Dispose();
        }
    }
}
