namespace RingAttention.Distributed;

/// <summary>
/// The launcher's environment does not describe a usable process group: a variable is missing, malformed or
/// inconsistent with another. The message names the variable, its value and the launcher that was detected.
/// </summary>
/// <remarks>
/// Derives from <see cref="InvalidOperationException"/>: the process was started in a state the library cannot
/// work in, which no argument of the call could have avoided.
/// </remarks>
public sealed class DistributedSetupException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public DistributedSetupException()
    {
    }

    /// <summary>Creates the exception with a message for people.</summary>
    public DistributedSetupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public DistributedSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
