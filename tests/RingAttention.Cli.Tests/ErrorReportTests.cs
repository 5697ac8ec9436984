using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

public sealed class ErrorReportTests
{
    [Fact]
    public void Unexpected_exceptions_exit_1_with_their_type_and_message_on_one_line()
    {
        using var error = new StringWriter();

        int exitCode = ErrorReport.Report(new InvalidOperationException("ring stuck\nat step 3"), error, showStackTrace: false);

        Assert.Equal(1, exitCode);
        Assert.Equal("ringattn: error: unexpected InvalidOperationException: ring stuck at step 3" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void Stack_trace_of_unexpected_exceptions_only_when_asked()
    {
        using var error = new StringWriter();

        ErrorReport.Report(new InvalidOperationException("boom"), error, showStackTrace: true);

        Assert.Contains("System.InvalidOperationException: boom", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Library_argument_exceptions_are_usage_errors_without_parameter_decoration()
    {
        using var error = new StringWriter();
        var exception = new ArgumentOutOfRangeException("RingSize", 0, "RingSize must be at least 1, got 0.");

        int exitCode = ErrorReport.Report(exception, error, showStackTrace: true);

        Assert.Equal(2, exitCode);
        Assert.Equal("ringattn: error: RingSize must be at least 1, got 0." + Environment.NewLine, error.ToString());
    }

    [Fact]
    public void Npy_format_errors_are_usage_errors()
    {
        using var error = new StringWriter();

        int exitCode = ErrorReport.Report(new NpyFormatException("q.npy", "not a .npy file"), error, showStackTrace: true);

        Assert.Equal(2, exitCode);
        Assert.Equal("ringattn: error: q.npy: not a .npy file" + Environment.NewLine, error.ToString());
    }
}
