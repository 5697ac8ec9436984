namespace RingAttention.Cuda.Distributed;

/// <summary>
/// The ranks of one ring were given different problems (shape, element type, mask, balance, layout, scale or ring
/// size). Thrown on every rank, with the same message naming each field that differs and which ranks hold which value,
/// before any exchange could mix mismatched tensors.
/// </summary>
public sealed class ProblemMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProblemMismatchException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ProblemMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ProblemMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
