using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace RingAttention.Cli;

/// <summary>The logger factory behind --verbose: everything down to the ring's per-step traces, on stderr.</summary>
internal static class VerboseLogging
{
    /// <summary>A console logger factory when <paramref name="verbose"/>, otherwise one that discards everything.</summary>
    public static ILoggerFactory Create(bool verbose) => !verbose
        ? NullLoggerFactory.Instance
        : LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Trace)

            // stdout stays reserved for results (the summary line, the demo table).
            .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "HH:mm:ss.fff ";
            }));
}
