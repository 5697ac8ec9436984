namespace RingAttention.Distributed.Coordination;

/// <summary>Forming the job: admitting ranks as they check in, then handing out the payload or the reason it cannot form.</summary>
internal sealed partial class CoordinatorServer
{
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
}
