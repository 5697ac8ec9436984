using System.Runtime.InteropServices;

namespace RingAttention.Cli.Launch;

/// <summary>
/// While alive, catches SIGINT, SIGTERM, SIGHUP and SIGQUIT instead of letting them end the launcher, and hands
/// each to a callback with its kill(2) number, so the launcher can pass it on to its ranks and still report how
/// they ended.
/// </summary>
internal sealed class SignalForwarder : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;

    /// <summary>Registers the handlers; <paramref name="onSignal"/> runs on a thread-pool thread.</summary>
    public SignalForwarder(Action<int> onSignal)
    {
        ArgumentNullException.ThrowIfNull(onSignal);
        _registrations = [.. Signals.Forwarded.Select(signal => PosixSignalRegistration.Create(signal.Posix, context =>
        {
            // Cancel the default action (ending this process): the ranks must be stopped and reported first.
            context.Cancel = true;
            onSignal(signal.Number);
        }))];
    }

    /// <summary>Restores the default handling.</summary>
    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
