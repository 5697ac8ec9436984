using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Launch;
using static System.FormattableString;

namespace RingAttention.Cli.Commands;

/// <summary>
/// <c>ringattn launch</c>: starts one process per GPU of this node with torchrun's variables (so
/// <see cref="RingAttention.Distributed.ProcessGroupEnvironment"/> and torch programs read them alike), prefixes
/// their output, and stops them all when one fails.
/// </summary>
internal static class LaunchCommand
{
    private const string DefaultMasterAddress = "127.0.0.1";
    private const double DefaultGraceSeconds = 10;

    /// <summary>A day: longer is a typo, and would overflow the timers that wait for it.</summary>
    private const double MaxGraceSeconds = 86_400;

    /// <summary>
    /// Far above any node's GPU count, and far below what the system allows: without a bound a typo starts processes until
    /// the system runs out of them (or of file descriptors) before one line of error.
    /// </summary>
    private const int MaxProcessesPerNode = 1024;

    /// <summary>Creates the command; <paramref name="verbose"/> is the root's recursive --verbose.</summary>
    public static Command Create(Option<bool> verbose)
    {
        Option<int> processesPerNode = CliOptions.PositiveInt(
            "--nproc-per-node", "Ranks to start on this node (normally its number of GPUs).", maximum: MaxProcessesPerNode, maximumReason: "one rank per GPU; no node has more");
        Option<int> nodeCount = CliOptions.PositiveInt("--nnodes", "Nodes in the group; run one launch per node.", 1);
        Option<int?> nodeRank = CliOptions.OptionalInt("--node-rank", "This node's index, 0 to --nnodes - 1 (default 0).");
        Option<string> masterAddress = new("--master-addr")
        {
            Description = $"Host of rank 0, reachable from every node (default {DefaultMasterAddress}).",
            HelpName = "host",
        };
        Option<int?> masterPort = CliOptions.OptionalInt("--master-port", "Port of rank 0's rendezvous (default on one node: a free port; required with --nnodes > 1).");
        Option<bool> shareGpu = new("--share-gpu")
        {
            Description = "FOR TESTING ONLY: put every local rank on GPU 0 (RINGATTN_SHARE_GPU=1, RINGATTN_DEVICE=0, a distinct NCCL_HOSTID "
                + "per rank, so NCCL talks over sockets: slow).",
        };
        Option<float?> gracePeriod = CliOptions.OptionalPositiveFloat(
            "--grace-period", $"Seconds the other ranks get to stop after one failed, before SIGKILL (default {DefaultGraceSeconds}).");
        Option<string> jobId = new("--job-id")
        {
            Description = "Names this run in every rank's RINGATTN_JOB_ID (default: random hex); letters, digits, '.', '_', '-'.",
            HelpName = "id",
        };
        Argument<string[]> program = new("program")
        {
            HelpName = "PROGRAM ARGS",
            Description = "PROGRAM ARGS...: what every rank runs, after --; started directly, not through a shell.",
            Arity = ArgumentArity.ZeroOrMore,
        };

        processesPerNode.HelpName = "N";
        nodeCount.HelpName = "M";
        nodeRank.HelpName = "R";
        masterPort.HelpName = "port";
        gracePeriod.HelpName = "seconds";

        var command = new Command("launch", "Start --nproc-per-node ranks of PROGRAM on this node with torchrun's variables; stop them all when one fails.")
        {
            processesPerNode, nodeCount, nodeRank, masterAddress, masterPort, shareGpu, gracePeriod, jobId, program,
        };
        command.Validators.Add(result => Validate(result, nodeCount, nodeRank, masterPort, jobId, program));
        command.Validators.Add(result => ValidateWorldSize(result, nodeCount, processesPerNode));
        command.Validators.Add(result => ValidateGracePeriod(result, gracePeriod));
        command.Validators.Add(result => ValidateMasterAddress(result, masterAddress));
        command.SetAction(async (parsed, _) =>
        {
            string[] commandLine = parsed.GetValue(program) ?? [];
            int nodes = parsed.GetValue(nodeCount);
            string address = parsed.GetValue(masterAddress) ?? DefaultMasterAddress;
            var plan = new LaunchPlan
            {
                Program = commandLine[0],
                Arguments = commandLine[1..],
                ProcessesPerNode = parsed.GetValue(processesPerNode),
                NodeCount = nodes,
                NodeRank = parsed.GetValue(nodeRank) ?? 0,
                MasterAddress = address,

                // Validation made the port required on several nodes: each node would pick its own free port.
                MasterPort = parsed.GetValue(masterPort) ?? FreePort(address),
                JobId = parsed.GetValue(jobId) ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
                ShareGpu = parsed.GetValue(shareGpu),
                GracePeriod = TimeSpan.FromSeconds(parsed.GetValue(gracePeriod) ?? DefaultGraceSeconds),
            };

            using ILoggerFactory loggers = VerboseLogging.Create(parsed.GetValue(verbose));
            var stderr = new LineWriter(parsed.InvocationConfiguration.Error);
            using var supervisor = new RankSupervisor(plan, new LineWriter(parsed.InvocationConfiguration.Output), stderr, loggers.CreateLogger("ringattn.launch"));
            using var forwarder = new SignalForwarder(supervisor.OnSignal);
            LaunchOutcome outcome = await supervisor.RunAsync().ConfigureAwait(false);
            if (outcome.StartFailure is { } failure)
            {
                string stopped = outcome.StoppedRanks.Count == 0 ? string.Empty : $"; stopped {LaunchReport.Stopped(outcome.StoppedRanks)}";
                throw new CliUsageException($"cannot start rank {failure.Rank}: '{failure.Program}': {failure.Reason}{stopped}");
            }

            return outcome.ExitCode;
        });
        return command;
    }

    /// <summary>The checks that span options; each failure is one parse error, so nothing is started.</summary>
    private static void Validate(
        CommandResult result, Option<int> nodeCount, Option<int?> nodeRank, Option<int?> masterPort, Option<string> jobId, Argument<string[]> program)
    {
        // Values that failed to parse have their own errors already, and asking for them would throw.
        if (result.GetResult(program) is not { Tokens.Count: > 0 })
        {
            result.AddError("no PROGRAM to launch: put it and its arguments after --");
        }

        int nodes = TryGetInt(result.GetResult(nodeCount)) ?? 1;
        if (TryGetInt(result.GetResult(nodeRank)) is int rank && (rank < 0 || rank >= nodes))
        {
            result.AddError(Invariant($"--node-rank must be in [0, {nodes}) for --nnodes {nodes}, got {rank}"));
        }

        OptionResult? portResult = result.GetResult(masterPort);
        if (TryGetInt(portResult) is int port && (port < 1 || port > 65535))
        {
            result.AddError(Invariant($"--master-port must be a TCP port (1 to 65535), got {port}"));
        }
        else if (portResult is null && nodes > 1)
        {
            result.AddError(Invariant($"--master-port is required with --nnodes {nodes}: every node must use the same one"));
        }

        if (result.GetResult(jobId) is { Tokens.Count: > 0 } id && !IsJobId(id.Tokens[0].Value))
        {
            result.AddError($"--job-id must be letters, digits, '.', '_' or '-', got '{id.Tokens[0].Value}'");
        }
    }

    /// <summary>Ranks are numbered with int (RANK, WORLD_SIZE): the product of the two counts must fit one.</summary>
    private static void ValidateWorldSize(CommandResult result, Option<int> nodeCount, Option<int> processesPerNode)
    {
        if (TryGetInt(result.GetResult(nodeCount)) is int nodes && TryGetInt(result.GetResult(processesPerNode)) is int perNode
            && nodes > 0 && perNode > 0 && (long)nodes * perNode > int.MaxValue)
        {
            result.AddError(Invariant($"--nnodes {nodes} times --nproc-per-node {perNode} is {(long)nodes * perNode} ranks, more than can be numbered (at most {int.MaxValue})"));
        }
    }

    private static void ValidateGracePeriod(CommandResult result, Option<float?> gracePeriod)
    {
        if (result.GetResult(gracePeriod) is { Tokens.Count: > 0 } grace
            && float.TryParse(grace.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out float seconds)
            && seconds > MaxGraceSeconds)
        {
            result.AddError(Invariant($"--grace-period must be at most {MaxGraceSeconds} seconds (a day), got {grace.Tokens[0].Value}"));
        }
    }

    private static void ValidateMasterAddress(CommandResult result, Option<string> masterAddress)
    {
        if (result.GetResult(masterAddress) is { Tokens.Count: > 0 } address && string.IsNullOrWhiteSpace(address.Tokens[0].Value))
        {
            result.AddError("--master-addr must name a host, got an empty value");
        }
    }

    /// <summary>A free port on the master address, which on one node must be an address of this machine.</summary>
    private static int FreePort(string address)
    {
        try
        {
            return PortProbe.FindFreePort(address);
        }
        catch (SocketException e)
        {
            throw new CliUsageException($"--master-addr {address}: cannot pick a free port there ({e.Message}); give --master-port", e);
        }
    }

    /// <summary>The job id ends up in NCCL_HOSTID and file names: keep it to characters safe everywhere.</summary>
    private static bool IsJobId(string text) => text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static int? TryGetInt(OptionResult? option) =>
        option is { Tokens.Count: > 0 } && int.TryParse(option.Tokens[0].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value
            : null;
}
