namespace RingAttention.Distributed.Coordination;

/// <summary>What the link reports: the coordinator's frames, its end or its silence, and the first failure they tell of.</summary>
internal sealed partial class CoordinatorClient
{
    /// <inheritdoc />
    public void OnFrame(CoordinatorLink link, Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Welcome:
                Decide(CoordinatorFrames.ReadWelcome(frame.Body), rejection: null);
                break;
            case FrameKind.Rejected:
                Decide(payload: null, CoordinatorFrames.ReadText(frame.Body));
                break;
            case FrameKind.Failure:
                _ = Record(CoordinatorFrames.ReadFailure(frame.Body));
                break;
            case FrameKind.LeaveAck:
                SettleLeave();
                break;
            default:
                throw new InvalidDataException(CoordinatorText.Format($"rank 0's coordinator at {_where} sent a {frame.Kind} frame, which only ranks send."));
        }
    }

    /// <inheritdoc />
    public void OnClosed(CoordinatorLink link, Exception error)
    {
        string what = error is InvalidDataException ? "broke the protocol (" + error.Message + ")" : "closed the connection";
        Lose(CoordinatorText.Format($"rank 0's coordinator at {_where} {what}"));
    }

    /// <inheritdoc />
    public void OnSilent(CoordinatorLink link, TimeSpan silence) =>
        Lose(CoordinatorText.Format($"rank 0's coordinator at {_where} sent nothing for {CoordinatorText.Seconds(silence)}"));

    /// <summary>The coordinator is gone: before the job formed that is why the join fails; after, it is a failure.</summary>
    private void Lose(string what)
    {
        _link.BeginClose(); // answer the coordinator's end with ours, so it need not linger for it
        SettleLeave();
        Decide(payload: null, what + " before the job formed.");
        _ = Record(new RankFailure(0, RankFailureKind.CoordinatorLost, what + ": rank 0 died, ended the job or is cut off."));
    }

    /// <summary>Keeps <paramref name="failure"/> if it is the first while joined, and cancels <see cref="Failed"/>. True if kept.</summary>
    private bool Record(RankFailure failure)
    {
        lock (_gate)
        {
            if (_state != State.Joined || _failure is not null)
            {
                return false;
            }

            _failure = failure;

            // Observers' callbacks run on the thread pool, not on this link's thread, which must keep its heartbeats going.
            _ = _failed.CancelAsync();
        }

        CoordinatorLog.FailureSeen(_logger, _rank, failure.Message);
        return true;
    }

    /// <summary>Ends <see cref="Leave"/>'s wait: the coordinator acknowledged, or it is gone and never will.</summary>
    private void SettleLeave()
    {
        lock (_gate)
        {
            if (_state != State.Closed)
            {
                _leaveSettled.Set(); // never after Dispose, which comes after Closed
            }
        }
    }
}
