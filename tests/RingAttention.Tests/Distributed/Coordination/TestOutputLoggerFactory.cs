using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace RingAttention.Tests.Distributed.Coordination;

/// <summary>Writes every coordinator log line, with a timestamp and thread, into the current test's output: a failure shows its story.</summary>
internal sealed class TestOutputLoggerFactory : ILoggerFactory
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public ILogger CreateLogger(string categoryName) => new Logger(TestContext.Current.TestOutputHelper);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper? output) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => output is not null;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output?.WriteLine($"{Clock.Elapsed.TotalMilliseconds,9:0.0} ms [{Thread.CurrentThread.Name}] {logLevel}: {formatter(state, exception)}");
            }
            catch (InvalidOperationException)
            {
                // a background thread may log after its test ended; xunit refuses output then
            }
        }
    }
}
