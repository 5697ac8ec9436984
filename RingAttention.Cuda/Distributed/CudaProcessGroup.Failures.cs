using RingAttention.Distributed.Coordination;
using RingAttention.Interop;
using static System.FormattableString;

namespace RingAttention.Cuda.Distributed;

/// <summary>How a failure of this rank becomes the job's, and the job's becomes this rank's exception.</summary>
public sealed partial class CudaProcessGroup
{
    /// <summary>Throws <see cref="RankFailedException"/> if any rank of the job has failed.</summary>
    public void ThrowIfFailed()
    {
        if (_watchdog.Failure is RankFailure failure)
        {
            throw new RankFailedException(failure);
        }
    }

    /// <summary>
    /// Tells every rank that this one failed (<paramref name="error"/> is the cause they will read) and stops the ring
    /// here. For code that catches its own exception before leaving; <see cref="Guarded{T}"/> does it for the group's calls.
    /// </summary>
    public void ReportFailure(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _watchdog.Fail(new RankFailure(Rank, RankFailureKind.Reported, Invariant($"rank {Rank} raised {error.GetType().Name}: {error.Message}")), tellOthers: true);
    }

    /// <summary>
    /// Runs <paramref name="work"/> (calls on this rank's ring) and turns its failure into the job's: an exception caused
    /// by another rank's failure, or an NCCL error, becomes a <see cref="RankFailedException"/> naming the rank that
    /// failed; any other is reported to every rank, then rethrown.
    /// </summary>
    public T Guarded<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            return work();
        }
        catch (Exception e) when (e is not RankFailedException)
        {
            // An NCCL error is the job's failure (usually a peer's death, which the coordinator then names); any other
            // exception is this rank's own: every rank is told, and the caller gets it unchanged.
            RankFailure? failure = _watchdog.Failure ?? (e is NcclException nccl ? _watchdog.FailOnNcclError(nccl.Message) : null);
            if (failure is not null)
            {
                throw new RankFailedException(failure, e);
            }

            ReportFailure(e);
            throw;
        }
    }

    /// <summary>As <see cref="Guarded{T}(Func{T})"/>, for work that returns nothing.</summary>
    public void Guarded(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Guarded(() =>
        {
            work();
            return true;
        });
    }
}
