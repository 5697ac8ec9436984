namespace RingAttention;

/// <summary>Thrown on a rank that stopped because another rank of its ring failed first.</summary>
public sealed class RingAbortedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RingAbortedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RingAbortedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RingAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
