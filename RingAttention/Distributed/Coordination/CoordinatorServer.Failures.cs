using System.Net.Sockets;

namespace RingAttention.Distributed.Coordination;

/// <summary>The links' callbacks once ranks are in: leaves, and failures (reported, died, silent) relayed to the whole job.</summary>
internal sealed partial class CoordinatorServer
{
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
}
