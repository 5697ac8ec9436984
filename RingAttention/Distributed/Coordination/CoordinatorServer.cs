using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace RingAttention.Distributed.Coordination;

/// <summary>
/// Rank 0's half of the coordinator: listens on MASTER_ADDR:MASTER_PORT, checks ranks in, hands out the payload
/// once all agree, then relays the job's first failure to every rank. One thread accepts (and watches the join
/// deadline); each connection has a thread that runs its handshake and then its <see cref="CoordinatorLink"/> loop.
/// All bookkeeping happens under one lock; sends under it are short and bounded by the send timeout.
/// </summary>
internal sealed class CoordinatorServer : ILinkListener, IDisposable
{
    private static readonly TimeSpan AcceptNap = TimeSpan.FromMilliseconds(100);

    private readonly Socket _listener;
    private readonly string _where;
    private readonly string _jobId;
    private readonly byte[] _payload;
    private readonly CoordinatorOptions _options;
    private readonly ILogger _logger;
    private readonly JoinRoster _roster;
    private readonly Deadline _joinDeadline;
    private readonly Lock _gate = new();
    private readonly CoordinatorLink?[] _links;
    private readonly Dictionary<CoordinatorLink, int> _rankOf = [];
    private readonly HashSet<CoordinatorLink> _open = [];
    private readonly bool[] _left;
    private readonly bool[] _gone;
    private readonly ManualResetEventSlim _settled = new();
    private readonly ManualResetEventSlim _everyoneGone = new();
    private readonly Thread _acceptor;
    private Phase _phase;
    private string? _joinFailure;
    private RankFailure? _failure;
    private int _checkIns;
    private bool _stopping;
    private bool _frozen;

    private CoordinatorServer(Socket listener, string jobId, int worldSize, byte[] payload, CoordinatorOptions options, ILogger logger)
    {
        _listener = listener;
        _where = CoordinatorText.Format($"{listener.LocalEndPoint}");
        _jobId = jobId;
        _payload = payload;
        _options = options;
        _logger = logger;
        _roster = new JoinRoster(jobId, worldSize, _where);
        _joinDeadline = Deadline.In(options.JoinTimeout);
        _links = new CoordinatorLink?[worldSize];
        _left = new bool[worldSize];
        _gone = new bool[worldSize];
        _acceptor = new Thread(Accept) { IsBackground = true, Name = "coordinator-accept" };
    }

    private enum Phase
    {
        Joining,
        Formed,
        FormingFailed,
    }

    /// <summary>
    /// Binds exactly <paramref name="endpoint"/> and starts accepting. SO_REUSEADDR stays off, so a port that any
    /// socket holds fails here at once rather than splitting the job's connections with a stale coordinator.
    /// </summary>
    public static CoordinatorServer Start(IPEndPoint endpoint, string jobId, int worldSize, byte[] payload, CoordinatorOptions options, ILogger logger)
    {
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
            listener.Bind(endpoint);
            listener.Listen(worldSize + 16);
            listener.Blocking = false;
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new CoordinatorException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? CoordinatorText.Format($"MASTER_PORT {endpoint.Port} on {endpoint.Address} is already in use: another job or program holds it; choose a free port.")
                : CoordinatorText.Format($"rank 0 could not listen on {endpoint} (MASTER_ADDR {endpoint.Address}, MASTER_PORT {endpoint.Port}): {e.Message}"), e);
        }

        var server = new CoordinatorServer(listener, jobId, worldSize, payload, options, logger);
        server._acceptor.Start();
        return server;
    }

    /// <summary>
    /// Waits until the job formed, or until it could not form and every rank that was going to check in was told
    /// why (all world-size check-ins seen, or the join deadline passed). Rank 0 waits here before it throws, so the
    /// others learn the reason instead of finding the port closed; but for a peer timeout at most, since ranks
    /// launched together check in within moments and rank 0's own error should not wait on a rank that never comes.
    /// </summary>
    public void WaitUntilSettled(CancellationToken cancellationToken)
    {
        TimeSpan bound = _joinDeadline.RemainingAtMost(_options.PeerTimeout) + AcceptNap; // the nap covers the acceptor's polling
        _ = _settled.Wait(bound, cancellationToken);
    }

    /// <summary>Waits, at most <paramref name="timeout"/>, until every rank left, died or was declared silent.</summary>
    public bool WaitUntilEveryoneGone(TimeSpan timeout) => _everyoneGone.Wait(timeout);

    /// <summary>Closes gracefully (after which the waits above may no longer be called): every rank reads what was sent to it, then the end of the connection.</summary>
    public void Dispose() => Stop(abortive: false);

    /// <summary>Test hook: closes every connection with a reset, as the kernel does when rank 0's process is killed.</summary>
    public void Abort() => Stop(abortive: true);

    /// <summary>Test hook: the coordinator sends nothing more, heartbeats and failure notices included, as if rank 0's process were stopped.</summary>
    public void Freeze()
    {
        lock (_gate)
        {
            _frozen = true;
            foreach (CoordinatorLink link in _open)
            {
                link.Freeze();
            }
        }
    }

    /// <inheritdoc />
    public void OnFrame(CoordinatorLink link, Frame frame)
    {
        lock (_gate)
        {
            if (_stopping || _phase != Phase.Formed || !_rankOf.TryGetValue(link, out int rank))
            {
                return;
            }

            if (frame.Kind == FrameKind.ReportFailure)
            {
                string reason = CoordinatorFrames.ReadText(frame.Body);
                Fail(new RankFailure(rank, RankFailureKind.Reported, CoordinatorText.Format($"rank {rank} failed: {reason}")));
            }
            else if (frame.Kind == FrameKind.Leave)
            {
                _left[rank] = true;
                CoordinatorLog.Left(_logger, _where, rank);
                _ = link.TrySend(CoordinatorFrames.LeaveAck);
                MarkGone(rank);
            }
        }
    }

    /// <inheritdoc />
    public void OnClosed(CoordinatorLink link, Exception error) => LoseRank(
        link,
        RankFailureKind.Died,
        rank => $"rank {rank} ({link.Peer}) closed its connection before all ranks joined: it died or gave up.",
        rank => $"rank {rank} died: its connection to the coordinator ({link.Peer}) closed without a clean leave ({Cause(error)}).");

    /// <inheritdoc />
    public void OnSilent(CoordinatorLink link, TimeSpan silence) => LoseRank(
        link,
        RankFailureKind.Silent,
        rank => $"rank {rank} ({link.Peer}) sent nothing for {CoordinatorText.Seconds(silence)} before all ranks joined: it is hung or cut off.",
        rank => $"rank {rank} sent no heartbeat for {CoordinatorText.Seconds(silence)}: it is hung, frozen or cut off.");

    private static string Cause(Exception error) => error switch
    {
        EndOfStreamException => "end of stream",
        SocketException socket => socket.SocketErrorCode.ToString(),
        _ => error.Message,
    };

    private void Accept()
    {
        try
        {
            while (!Volatile.Read(ref _stopping))
            {
                if (_listener.Poll(AcceptNap, SelectMode.SelectRead) && TryAccept() is { } socket)
                {
                    new Thread(() => Serve(socket)) { IsBackground = true, Name = "coordinator-connection" }.Start();
                }

                WatchJoinDeadline();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // the listener was closed by Stop
        }
    }

    /// <summary>
    /// The listener is non-blocking: a connection reset between the poll and the accept leaves nothing to accept,
    /// and a blocking accept would then wait for the next one with no deadline.
    /// </summary>
    private Socket? TryAccept()
    {
        try
        {
            Socket socket = _listener.Accept();
            socket.Blocking = true; // reads and sends have their own deadlines (polls and the send timeout)
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted or SocketError.ConnectionReset)
        {
            return null;
        }
    }

    private void WatchJoinDeadline()
    {
        if (!_joinDeadline.HasPassed)
        {
            return;
        }

        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            if (_phase == Phase.Joining)
            {
                FailForming(_roster.MissingRanks(_options.JoinTimeout));
            }

            _settled.Set();
        }
    }

    /// <summary>One connection: the handshake (bounded by the handshake timeout), admission, then the link's loop.</summary>
    private void Serve(Socket socket)
    {
        var link = new CoordinatorLink(socket, _options.PeerTimeout);
        lock (_gate)
        {
            if (_stopping)
            {
                link.Close(abortive: true);
                return;
            }

            _open.Add(link);
            if (_frozen)
            {
                link.Freeze();
            }
        }

        Hello? hello = ReadHello(link);
        if (hello is null)
        {
            Forget(link, abortive: true);
            return;
        }

        CoordinatorLog.CheckedIn(_logger, _where, link.Peer, hello.Rank, hello.WorldSize);
        if (Admit(link, hello))
        {
            link.Run(this, _options.HeartbeatInterval, _options.PeerTimeout);
        }
        else
        {
            Forget(link);
        }
    }

    /// <summary>The hello of a rank of some job, or null (logged) for a stranger: wrong magic, garbage, silence, or an early close.</summary>
    private Hello? ReadHello(CoordinatorLink link)
    {
        var deadline = Deadline.In(_options.HandshakeTimeout);
        string? drop;
        try
        {
            if (!ReceiveMagic(link, deadline))
            {
                drop = "its first bytes are not the coordinator's magic";
            }
            else
            {
                Frame frame = link.Receive(deadline);
                if (frame.Kind == FrameKind.Hello)
                {
                    return Hello.Parse(frame.Body);
                }

                drop = CoordinatorText.Format($"its first frame is {frame.Kind}, not a hello");
            }
        }
        catch (TimeoutException)
        {
            drop = CoordinatorText.Format($"it did not introduce itself within {CoordinatorText.Seconds(_options.HandshakeTimeout)}");
        }
        catch (Exception e) when (e is EndOfStreamException or SocketException or ObjectDisposedException or InvalidDataException)
        {
            drop = CoordinatorText.Format($"its connection ended or broke the protocol during the handshake ({e.GetType().Name})");
        }

        CoordinatorLog.StrangerDropped(_logger, _where, link.Peer, drop);
        return null;
    }

    /// <summary>Reads the magic, comparing each byte as it comes, so a stranger is known by its first wrong byte, not after eight.</summary>
    private static bool ReceiveMagic(CoordinatorLink link, Deadline deadline)
    {
        ReadOnlySpan<byte> expected = Hello.Magic;
        Span<byte> received = stackalloc byte[expected.Length];
        int have = 0;
        while (have < expected.Length)
        {
            int got = link.ReceiveSome(received[have..], deadline);
            if (!received.Slice(have, got).SequenceEqual(expected.Slice(have, got)))
            {
                return false;
            }

            have += got;
        }

        return true;
    }

    /// <summary>Gives <paramref name="hello"/> its place, or tells it (and, when the job cannot form, everyone) why not. True if the link stays.</summary>
    private bool Admit(CoordinatorLink link, Hello hello)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return false;
            }

            string? refusal = _roster.Refusal(hello, link.Peer);
            if (refusal is not null)
            {
                Refuse(link, refusal);
                return false;
            }

            if (_phase == Phase.Formed)
            {
                Refuse(link, CoordinatorText.Format($"rank {hello.Rank} tried to join job \"{_jobId}\" at {_where}, which already formed with all {_roster.WorldSize} ranks."));
                return false;
            }

            _checkIns++;
            if (_phase == Phase.FormingFailed)
            {
                Refuse(link, _joinFailure!);
                SettleIfEveryoneWasTold();
                return false;
            }

            string? failure = _roster.CheckIn(hello, link.Peer);
            if (failure is not null)
            {
                FailForming(failure);
                _ = link.TrySend(CoordinatorFrames.Rejected(failure));
                return false;
            }

            _links[hello.Rank] = link;
            _rankOf[link] = hello.Rank;
            if (_roster.IsComplete)
            {
                FormOrFail();
            }

            return true;
        }
    }

    /// <summary>A job that cannot form is settled once as many ranks as it has were told why (or the join deadline passed).</summary>
    private void SettleIfEveryoneWasTold()
    {
        if (_checkIns >= _roster.WorldSize || _joinDeadline.HasPassed)
        {
            _settled.Set();
        }
    }

    private void Refuse(CoordinatorLink link, string reason)
    {
        CoordinatorLog.Refused(_logger, _where, link.Peer, reason);
        _ = link.TrySend(CoordinatorFrames.Rejected(reason));
    }

    private void FormOrFail()
    {
        string? disagreement = _roster.FingerprintDisagreement();
        if (disagreement is not null)
        {
            FailForming(disagreement);
            return;
        }

        _phase = Phase.Formed;
        byte[] welcome = CoordinatorFrames.Welcome(_payload);
        foreach (CoordinatorLink? link in _links)
        {
            _ = link!.TrySend(welcome);
        }

        CoordinatorLog.Formed(_logger, _where, _jobId, _roster.WorldSize);
        _settled.Set();
    }

    /// <summary>The job cannot form: every rank checked in so far is told why, and so is every rank that checks in later.</summary>
    private void FailForming(string reason)
    {
        if (_phase != Phase.Joining)
        {
            return;
        }

        _phase = Phase.FormingFailed;
        _joinFailure = reason;
        CoordinatorLog.FormingFailed(_logger, _where, _jobId, reason);
        byte[] rejected = CoordinatorFrames.Rejected(reason);
        foreach (CoordinatorLink? link in _links)
        {
            if (link is not null)
            {
                _ = link.TrySend(rejected);
                link.BeginClose(); // each rank reads the reason, then the end
            }
        }

        SettleIfEveryoneWasTold();
    }

    /// <summary>Relays the job's first failure to every rank still in it; later ones are only logged.</summary>
    private void Fail(RankFailure failure)
    {
        if (_failure is not null)
        {
            CoordinatorLog.LaterFailure(_logger, _where, failure.Message);
            return;
        }

        _failure = failure;
        CoordinatorLog.JobFailed(_logger, _where, _jobId, failure.Message);
        byte[] notice = CoordinatorFrames.Failure(failure);
        for (int rank = 0; rank < _links.Length; rank++)
        {
            if (!_left[rank])
            {
                _ = _links[rank]!.TrySend(notice);
            }
        }
    }

    /// <summary>
    /// A link's loop ended without a leave: before the job formed the job cannot form; after, it is the rank's failure.
    /// Either way the notice goes out before the link is closed, so a frozen rank that wakes up reads why it was dropped.
    /// </summary>
    private void LoseRank(CoordinatorLink link, RankFailureKind kind, Func<int, FormattableString> beforeForming, Func<int, FormattableString> afterForming)
    {
        lock (_gate)
        {
            if (!_stopping && _rankOf.TryGetValue(link, out int rank) && !_left[rank])
            {
                MarkGone(rank);
                if (_phase == Phase.Joining)
                {
                    FailForming(CoordinatorText.Format(beforeForming(rank)));
                }
                else if (_phase == Phase.Formed)
                {
                    Fail(new RankFailure(rank, kind, CoordinatorText.Format(afterForming(rank))));
                }
            }
        }

        Forget(link);
    }

    private void MarkGone(int rank)
    {
        _gone[rank] = true;
        if (Array.TrueForAll(_gone, gone => gone))
        {
            _everyoneGone.Set();
        }
    }

    private void Forget(CoordinatorLink link, bool abortive = false)
    {
        lock (_gate)
        {
            if (!_open.Remove(link))
            {
                return; // Stop closes it
            }
        }

        link.Close(abortive);
    }

    private void Stop(bool abortive)
    {
        (CoordinatorLink Link, bool IsRank)[] open;
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true; // from here on no callback touches the events below
            open = [.. _open.Select(link => (link, _rankOf.ContainsKey(link)))];
            _open.Clear();
            _settled.Dispose();
            _everyoneGone.Dispose();
        }

        _listener.Close();
        foreach ((CoordinatorLink link, bool isRank) in open)
        {
            // A connection that never became a rank is owed nothing: no reason to linger for a stranger.
            link.BeginClose(abortive || !isRank);
        }

        foreach ((CoordinatorLink link, _) in open)
        {
            link.FinishClose();
        }

        _ = _acceptor.Join(AcceptNap + AcceptNap);
    }
}
