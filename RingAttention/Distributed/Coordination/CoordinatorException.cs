namespace RingAttention.Distributed.Coordination;

/// <summary>
/// The job could not form: the port was in use, rank 0 could not be reached, a rank never joined, ranks disagreed
/// on the world size or the job fingerprint, a rank checked in twice, or the coordinator refused this rank. The
/// message names the ranks, the address and port, and the values involved.
/// </summary>
public class CoordinatorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CoordinatorException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CoordinatorException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CoordinatorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
