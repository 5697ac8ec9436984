using RingAttention.Cli.Backends;
using RingAttention.Cli.Npy;
using RingAttention.Cuda.Distributed;
using RingAttention.Distributed;
using RingAttention.Distributed.Coordination;

namespace RingAttention.Cli;

/// <summary>
/// Turns an exception that escaped a command into one line on stderr and an exit code: 2 for the user's
/// mistakes (bad files, shapes, options), 1 for everything else.
/// </summary>
internal static class ErrorReport
{
    /// <summary>The prefix of every error line, so scripts and people can grep for it.</summary>
    public const string Prefix = CliApp.Name + ": error: ";

    /// <summary>Writes <paramref name="exception"/> as one line (plus the stack trace of unexpected ones when asked) and returns the exit code.</summary>
    public static int Report(Exception exception, TextWriter error, bool showStackTrace)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        (int exitCode, string message) = Classify(exception);
        WriteLine(error, message);
        if (exitCode != ExitCodes.UsageError && showStackTrace)
        {
            error.WriteLine(exception.ToString());
        }

        return exitCode;
    }

    /// <summary>Writes <paramref name="message"/> as a single error line.</summary>
    public static void WriteLine(TextWriter error, string message)
    {
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine(Prefix + OneLine(message));
    }

    private static (int ExitCode, string Message) Classify(Exception exception) => exception switch
    {
        CliUsageException or NpyFormatException or BackendUnavailableException => (ExitCodes.UsageError, exception.Message),
        NonFiniteValueException => (ExitCodes.UsageError, $"{exception.Message} (--check-finite false runs anyway)"),

        // A launcher environment that does not describe a job, or ranks given different problems, are the user's to fix.
        DistributedSetupException or ProblemMismatchException => (ExitCodes.UsageError, exception.Message),

        // Another rank failed, or the ranks could not meet: the message names the rank and the cause.
        RankFailedException or CoordinatorException => (ExitCodes.Failure, exception.Message),

        // The library validates problems with ArgumentExceptions whose messages are written for people.
        ArgumentException argument => (ExitCodes.UsageError, WithoutParameterName(argument)),
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException => (ExitCodes.UsageError, exception.Message),
        _ => (ExitCodes.Failure, $"unexpected {exception.GetType().Name}: {exception.Message}"),
    };

    /// <summary>
    /// ArgumentException.Message appends " (Parameter 'x')" and ArgumentOutOfRangeException a second line with
    /// the value; the library's own text already says both, so keep only that.
    /// </summary>
    private static string WithoutParameterName(ArgumentException exception)
    {
        string message = exception.Message.Split('\n')[0].TrimEnd('\r');
        return exception.ParamName is null ? message : message.Replace($" (Parameter '{exception.ParamName}')", string.Empty, StringComparison.Ordinal);
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
