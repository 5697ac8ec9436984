using System.Net;
using System.Net.Sockets;

namespace RingAttention.Distributed.Coordination;

/// <summary>Reaching rank 0's coordinator and checking in: connection attempts until the join timeout, then its verdict.</summary>
internal sealed partial class CoordinatorClient
{
    private static Socket Connect(IPEndPoint coordinator, string where, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Deadline.In(timeout);
        SocketException? lastError = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Socket? socket = TryConnect(coordinator, deadline, ref lastError);
            if (socket is not null)
            {
                return socket;
            }

            // Refused while rank 0 starts up, unreachable while the network settles: try again until the deadline.
            if (deadline.HasPassed || cancellationToken.WaitHandle.WaitOne(deadline.RemainingAtMost(RetryPause)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                string cause = lastError is null ? "no answer" : lastError.SocketErrorCode.ToString();
                throw new CoordinatorException(
                    CoordinatorText.Format($"could not reach rank 0's coordinator at {where} within {CoordinatorText.Seconds(timeout)} ({cause}): is rank 0 running, and are MASTER_ADDR and MASTER_PORT the same on every rank?"),
                    lastError!);
            }
        }
    }

    /// <summary>
    /// One connection attempt that ends by <paramref name="deadline"/>. A non-blocking connect and a poll, rather than
    /// ConnectAsync: its completion would wait for a thread-pool thread, and a busy pool would then make a rank miss
    /// its handshake timeout (the coordinator drops a connection that has not introduced itself in time).
    /// </summary>
    private static Socket? TryConnect(IPEndPoint coordinator, Deadline deadline, ref SocketException? lastError)
    {
        var socket = new Socket(coordinator.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        try
        {
            try
            {
                socket.Connect(coordinator);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // the handshake is under way; the poll below waits for it
            }

            if (socket.Poll(deadline.Remaining, SelectMode.SelectWrite))
            {
                var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error == SocketError.Success)
                {
                    socket.Blocking = true;
                    return socket;
                }

                lastError = new SocketException((int)error);
            }
        }
        catch (SocketException e)
        {
            lastError = e;
        }

        socket.Dispose();
        return null;
    }

    private void CheckIn(Hello hello, CancellationToken cancellationToken)
    {
        if (!_link.TrySend(hello.ToGreeting()))
        {
            throw new CoordinatorException(CoordinatorText.Format($"rank {_rank} lost its connection to rank 0's coordinator at {_where} while checking in."));
        }

        _link.Start(this, _options.HeartbeatInterval, _options.PeerTimeout, CoordinatorText.Format($"coordinator-rank-{_rank}"));

        // The coordinator answers by its own join deadline, which is at most a join timeout from now; silence is
        // caught by the link within a peer timeout. The wait's own bound is only a backstop for both.
        if (!_verdict.Wait(_options.JoinTimeout + _options.PeerTimeout, cancellationToken))
        {
            throw new CoordinatorException(CoordinatorText.Format($"rank 0's coordinator at {_where} did not answer rank {_rank}'s check-in within {CoordinatorText.Seconds(_options.JoinTimeout + _options.PeerTimeout)}."));
        }

        lock (_gate)
        {
            if (_rejection is not null)
            {
                throw new CoordinatorException(_rejection);
            }
        }
    }

    /// <summary>The coordinator's answer to the check-in; the first one counts.</summary>
    private void Decide(byte[]? payload, string? rejection)
    {
        lock (_gate)
        {
            if (_state != State.Joining || _verdict.IsSet)
            {
                return;
            }

            _payload = payload;
            _rejection = rejection;
            if (rejection is null)
            {
                _state = State.Joined;
            }

            _verdict.Set();
        }
    }
}
