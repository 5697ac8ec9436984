using System.Globalization;
using RingAttention.Backends;
using RingAttention.Interop;

namespace RingAttention.Cuda;

/// <summary>
/// The meeting point of N virtual ranks (threads) sharing one GPU. A sender leaves (pointer, bytes, ready event) in
/// the receiver's mailbox; the receiver's communication stream waits for that event, copies device-to-device and
/// hands back a "copied" event that the sender's compute stream waits on before it overwrites its buffer. The host
/// side only exchanges handles; every data dependency is a CUDA event. A failure anywhere cancels every wait.
/// </summary>
internal sealed class VirtualRankHub : IDisposable
{
    private const int ChannelCount = 2;

    private readonly Mailbox[] _mailboxes;
    private CancellationTokenSource _failure = new();

    public VirtualRankHub(int size, TimeSpan timeout)
    {
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, string.Create(CultureInfo.InvariantCulture, $"size must be at least 1, got {size}."));
        }

        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must be positive or infinite.");
        }

        Size = size;
        ExchangeTimeout = timeout;
        _mailboxes = new Mailbox[size * ChannelCount];
        for (int i = 0; i < _mailboxes.Length; i++)
        {
            _mailboxes[i] = new Mailbox();
        }
    }

    public int Size { get; }

    public TimeSpan ExchangeTimeout { get; }

    public bool HasFailed => _failure.IsCancellationRequested;

    public CancellationToken FailureToken => _failure.Token;

    public void Fail() => _failure.Cancel();

    /// <summary>Makes the hub usable again after a failed run.</summary>
    public void Reset()
    {
        if (!HasFailed)
        {
            return;
        }

        _failure.Dispose();
        _failure = new CancellationTokenSource();
        foreach (Mailbox mailbox in _mailboxes)
        {
            mailbox.Clear();
        }
    }

    public Mailbox MailboxOf(int rank, RingChannel channel) => _mailboxes[(rank * ChannelCount) + (int)channel];

    public void Dispose()
    {
        _failure.Dispose();
        foreach (Mailbox mailbox in _mailboxes)
        {
            mailbox.Dispose();
        }
    }

    /// <summary>One rank's inbox on one channel.</summary>
    internal sealed class Mailbox : IDisposable
    {
        /// <summary>The sender's buffer.</summary>
        public nint IncomingPointer { get; set; }

        public long IncomingBytes { get; set; }

        /// <summary>Recorded on the sender's compute stream once its buffer was ready to be read.</summary>
        public SafeCudaEventHandle? IncomingReady { get; set; }

        public int IncomingFrom { get; set; }

        /// <summary>Recorded on the receiver's communication stream after it copied this rank's last send.</summary>
        public SafeCudaEventHandle? Consumed { get; set; }

        public SemaphoreSlim Arrived { get; private set; } = new(0);

        public SemaphoreSlim SendConsumed { get; private set; } = new(0);

        public void Clear()
        {
            IncomingPointer = 0;
            IncomingBytes = 0;
            IncomingReady = null;
            Consumed = null;
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
