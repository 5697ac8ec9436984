using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace RingAttention.Distributed.Coordination;

/// <summary>
/// One TCP connection of the coordinator protocol, either side. Sends are framed and serialized under a lock; a loop
/// on a dedicated thread sends a heartbeat every interval, reads frames, and declares the peer silent when nothing
/// arrived within the peer timeout. Every wait has a deadline: reads poll with one, sends have a send timeout,
/// and the loop wakes at least every 200 ms to see whether it was closed.
/// </summary>
internal sealed class CoordinatorLink : IDisposable
{
    /// <summary>How long the loop sleeps at most between looks at its stop flag, so closing it is prompt.</summary>
    private static readonly TimeSpan LongestNap = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a graceful close waits for the peer to close its side, so the last frame is read rather than reset away.</summary>
    private static readonly TimeSpan LingerForPeer = TimeSpan.FromMilliseconds(500);

    private readonly Socket _socket;
    private readonly Lock _sendGate = new();
    private Thread? _thread;
    private volatile bool _closing;
    private volatile bool _stopped;
    private volatile bool _mute;

    /// <summary>Wraps a connected socket; sends give up after <paramref name="sendTimeout"/>.</summary>
    public CoordinatorLink(Socket socket, TimeSpan sendTimeout)
    {
        _socket = socket;
        _socket.NoDelay = true; // heartbeats and failure notices are tiny and late ones look like deaths
        _socket.SendTimeout = (int)Math.Ceiling(sendTimeout.TotalMilliseconds);
        Peer = PeerOf(socket);
    }

    /// <summary>The other end's address and port, for messages.</summary>
    public string Peer { get; }

    /// <summary>Test hook: once set, this side sends nothing (it still reads), as if its process were stopped.</summary>
    public void Freeze() => _mute = true;

    /// <summary>Sends bytes as they are; false if the connection is gone, the send timed out, or the link is frozen.</summary>
    public bool TrySend(ReadOnlySpan<byte> bytes)
    {
        lock (_sendGate)
        {
            if (_mute)
            {
                return false;
            }

            try
            {
                while (!bytes.IsEmpty)
                {
                    bytes = bytes[_socket.Send(bytes)..];
                }

                return true;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // A send that timed out may have sent part of a frame: nothing after it could be framed any more.
                _mute = true;
                return false;
            }
        }
    }

    /// <summary>Reads exactly <paramref name="into"/>.Length bytes before <paramref name="deadline"/>.</summary>
    /// <exception cref="TimeoutException">The deadline passed first.</exception>
    /// <exception cref="EndOfStreamException">The peer closed the connection.</exception>
    public void ReceiveExactly(Span<byte> into, Deadline deadline)
    {
        while (!into.IsEmpty)
        {
            into = into[ReceiveSome(into, deadline)..];
        }
    }

    /// <summary>Reads at least one byte, at most <paramref name="into"/>.Length, before <paramref name="deadline"/>; returns how many.</summary>
    /// <exception cref="TimeoutException">The deadline passed first.</exception>
    /// <exception cref="EndOfStreamException">The peer closed the connection.</exception>
    public int ReceiveSome(Span<byte> into, Deadline deadline)
    {
        // In naps, so a close from another thread is seen promptly and no poll is longer than the socket allows.
        while (!_socket.Poll(deadline.RemainingAtMost(LongestNap), SelectMode.SelectRead))
        {
            if (deadline.HasPassed)
            {
                throw new TimeoutException();
            }

            ObjectDisposedException.ThrowIf(_stopped, this);
        }

        int received = _socket.Receive(into);
        return received > 0 ? received : throw new EndOfStreamException();
    }

    /// <summary>Reads one frame before <paramref name="deadline"/>; a length over <see cref="Frame.MaxLength"/> is an <see cref="InvalidDataException"/>.</summary>
    public Frame Receive(Deadline deadline)
    {
        Span<byte> header = stackalloc byte[Frame.HeaderLength];
        ReceiveExactly(header, deadline);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 1 or > Frame.MaxLength)
        {
            throw new InvalidDataException(CoordinatorText.Format($"{Peer} sent a frame of {length} bytes; the protocol allows 1 to {Frame.MaxLength}."));
        }

        byte[] body = new byte[length - 1];
        ReceiveExactly(body, deadline);
        return new Frame((FrameKind)header[sizeof(int)], body);
    }

    /// <summary>Runs <see cref="Run"/> on a new background thread.</summary>
    public void Start(ILinkListener listener, TimeSpan heartbeatInterval, TimeSpan peerTimeout, string threadName)
    {
        _thread = new Thread(() => Run(listener, heartbeatInterval, peerTimeout)) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>
    /// Heartbeats, reads and silence detection until the link is closed (nothing is reported then) or the peer
    /// closes or goes silent (reported once to <paramref name="listener"/>).
    /// </summary>
    public void Run(ILinkListener listener, TimeSpan heartbeatInterval, TimeSpan peerTimeout)
    {
        _thread ??= Thread.CurrentThread;
        Deadline nextHeartbeat = Deadline.In(TimeSpan.Zero);
        Deadline silentAfter = Deadline.In(peerTimeout);
        try
        {
            while (!_stopped)
            {
                if (nextHeartbeat.HasPassed)
                {
                    // A failed send is not reported here: the read below sees the same broken connection.
                    _ = TrySend(CoordinatorFrames.Heartbeat);
                    nextHeartbeat = Deadline.In(heartbeatInterval);
                }

                if (silentAfter.HasPassed)
                {
                    if (!_closing)
                    {
                        listener.OnSilent(this, peerTimeout);
                    }

                    return;
                }


                TimeSpan nap = nextHeartbeat.RemainingAtMost(silentAfter.RemainingAtMost(LongestNap));
                if (_socket.Poll(nap, SelectMode.SelectRead))
                {
                    // Readable: a frame, or the end of the connection. A frame started must finish within the peer timeout.
                    Frame frame = Receive(Deadline.In(peerTimeout));
                    silentAfter = Deadline.In(peerTimeout);
                    if (frame.Kind != FrameKind.Heartbeat)
                    {
                        listener.OnFrame(this, frame);
                    }
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or EndOfStreamException or TimeoutException or InvalidDataException)
        {
            if (!_closing)
            {
                listener.OnClosed(this, e);
            }
        }
    }

    /// <summary>
    /// Stops the loop and closes the connection. Graceful: the peer reads everything sent so far, then the end.
    /// Abortive: a reset, as when a process is killed (what the tests use to stand in for SIGKILL).
    /// </summary>
    public void Close(bool abortive = false)
    {
        BeginClose(abortive);
        FinishClose();
    }

    /// <summary>
    /// First half of <see cref="Close"/>: from now on nothing is reported, and a graceful close sends the end of
    /// the stream. Closing many links is quicker as all their first halves, then all their second halves.
    /// </summary>
    public void BeginClose(bool abortive = false)
    {
        _closing = true;
        try
        {
            if (abortive)
            {
                _socket.LingerState = new LingerOption(enable: true, seconds: 0);
                _stopped = true;
            }
            else
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _stopped = true; // already closed by the peer or by another thread; closing is all that is left
        }
    }

    /// <summary>
    /// Second half of <see cref="Close"/>. Closing with unread bytes in the receive buffer makes the kernel send a
    /// reset, which can destroy the last frame the peer has not read yet (a rejection, a leave): so, after a graceful
    /// start, read and drop until the peer closes its side too, for a short while; then close and end the loop.
    /// </summary>
    public void FinishClose()
    {
        bool loopRunsElsewhere = _thread is not null && _thread != Thread.CurrentThread && _thread.IsAlive;
        if (!_stopped)
        {
            if (loopRunsElsewhere)
            {
                _thread!.Join(LingerForPeer); // the loop reads on until the peer's end, then ends
            }
            else
            {
                Drain(Deadline.In(LingerForPeer));
            }
        }

        _stopped = true;
        _socket.Close();
        if (loopRunsElsewhere)
        {
            _thread!.Join(LongestNap + LongestNap); // the loop sees _stopped within one nap
        }
    }

    /// <inheritdoc />
    public void Dispose() => Close();

    private static string PeerOf(Socket socket)
    {
        try
        {
            return CoordinatorText.Format($"{socket.RemoteEndPoint}");
        }
        catch (SocketException)
        {
            return "a peer that already disconnected"; // reset between accept and here
        }
    }

    private void Drain(Deadline deadline)
    {
        Span<byte> sink = stackalloc byte[256];
        try
        {
            while (_socket.Poll(deadline.Remaining, SelectMode.SelectRead) && _socket.Receive(sink) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the peer reset or someone closed the socket: nothing left to drain
        }
    }
}
