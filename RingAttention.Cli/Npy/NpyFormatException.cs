namespace RingAttention.Cli.Npy;

/// <summary>
/// A .npy file that this reader cannot or will not read. The message is one line: the file, then the problem,
/// so a command line tool can print it as it is.
/// </summary>
internal sealed class NpyFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NpyFormatException()
    {
    }

    /// <summary>Creates the exception with a ready message.</summary>
    public NpyFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a ready message and a cause.</summary>
    public NpyFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="problem"/> in <paramref name="fileName"/>.</summary>
    public NpyFormatException(string fileName, string problem, Exception? innerException = null)
        : base($"{fileName}: {problem}", innerException)
    {
        FileName = fileName;
        Problem = problem;
    }

    /// <summary>The file (as the caller named it), or null when unknown.</summary>
    public string? FileName { get; }

    /// <summary>What is wrong with the file, without its name; null when unknown.</summary>
    public string? Problem { get; }
}
