using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using RingAttention.Cli.Commands;

namespace RingAttention.Cli;

/// <summary>
/// The whole command line of ringattn, callable in-process: parses <c>args</c>, runs the command, and turns
/// every failure into one line on stderr and an exit code (<see cref="ExitCodes"/>).
/// </summary>
internal static class CliApp
{
    /// <summary>The tool's name, as it prefixes its messages.</summary>
    public const string Name = "ringattn";

    /// <summary>Runs one command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var verbose = new Option<bool>("--verbose")
        {
            Description = "Log progress, and every ring step, to stderr; show stack traces of unexpected errors.",
            Recursive = true,
        };
        var root = new RootCommand("ringattn: context-parallel (ring) attention for .NET on .npy files.")
        {
            verbose,
            RunCommand.Create(verbose),
            DemoCommand.Create(verbose),
            LaunchCommand.Create(verbose),
        };

        ParseResult parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            // System.CommandLine would print every error and the whole help; the contract is one line.
            string errors = string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')));
            ErrorReport.WriteLine(stderr, $"{errors} (see '{HelpCommandLine(parsed)}')");
            return ExitCodes.UsageError;
        }

        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,

            // Exceptions are ours to report (one line, exit code 2 or 1), not the library's (a stack trace).
            EnableDefaultExceptionHandler = false,

            // The commands are synchronous and hold no state worth a graceful shutdown; Ctrl+C may just end them.
            ProcessTerminationTimeout = null,
        };
        try
        {
            return parsed.Invoke(invocation);
        }
#pragma warning disable CA1031 // The top level must catch everything: no exception may leave as a stack trace.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return ErrorReport.Report(exception, stderr, showStackTrace: parsed.GetValue(verbose));
        }
    }

    private static string HelpCommandLine(ParseResult parsed)
    {
        var names = new List<string>();
        for (SymbolResult? result = parsed.CommandResult; result is not null; result = result.Parent)
        {
            if (result is CommandResult command && command.Command is not RootCommand)
            {
                names.Insert(0, command.Command.Name);
            }
        }

        names.Insert(0, Name);
        names.Add("--help");
        return string.Join(' ', names);
    }
}
