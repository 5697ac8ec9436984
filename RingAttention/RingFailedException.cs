using System.Globalization;

namespace RingAttention;

/// <summary>
/// A ring run failed because one rank threw. <see cref="Exception.InnerException"/> is that rank's own
/// exception; the other ranks were stopped and their <see cref="RingAbortedException"/>s are not reported.
/// </summary>
public sealed class RingFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RingFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RingFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RingFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a failure on <paramref name="rank"/>.</summary>
    public RingFailedException(int rank, Exception innerException)
        : base(string.Create(CultureInfo.InvariantCulture, $"Rank {rank} of the ring failed: {innerException?.Message}"), innerException)
    {
        Rank = rank;
    }

    /// <summary>The rank that failed first, or -1 when unknown.</summary>
    public int Rank { get; } = -1;
}
