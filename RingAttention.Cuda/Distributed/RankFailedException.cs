using RingAttention.Distributed.Coordination;

namespace RingAttention.Cuda.Distributed;

/// <summary>
/// The distributed ring stopped because a rank failed: it died, raised, went silent, its NCCL communicator reported an
/// error, or a call outlived <see cref="ProcessGroupOptions.OperationTimeout"/>. Every surviving rank throws it with the
/// same <see cref="Failure"/>, which names the rank and the cause; their NCCL communicators are aborted by then.
/// </summary>
public sealed class RankFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RankFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RankFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RankFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="failure"/>, as seen by this process.</summary>
    public RankFailedException(RankFailure failure)
        : this(failure, null)
    {
    }

    /// <summary>Creates the exception for <paramref name="failure"/>, as seen by this process, caused by <paramref name="innerException"/>.</summary>
    public RankFailedException(RankFailure failure, Exception? innerException)
        : base(failure?.Message, innerException)
    {
        Failure = failure;
    }

    /// <summary>What happened first, and on which rank; null when the exception was made without one.</summary>
    public RankFailure? Failure { get; }
}
