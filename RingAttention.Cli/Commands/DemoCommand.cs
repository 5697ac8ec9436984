using System.CommandLine;
using Microsoft.Extensions.Logging;
using RingAttention.Cli.Demo;

namespace RingAttention.Cli.Commands;

/// <summary><c>ringattn demo</c>: the README's first command; small defaults that finish in seconds on two cores.</summary>
internal static class DemoCommand
{
    /// <summary>Creates the command; <paramref name="verbose"/> is the root's recursive --verbose.</summary>
    public static Command Create(Option<bool> verbose)
    {
        Option<int> ringSize = CliOptions.PositiveInt("--cp", "Simulated ranks N.", 4);
        Option<int> sequence = CliOptions.PositiveInt("--seq", "Sequence length S, divisible by 2N.", 256);
        Option<int> heads = CliOptions.PositiveInt("--heads", "Query heads Hq.", 4);
        Option<int> keyValueHeads = CliOptions.PositiveInt("--kv-heads", "Key/value heads Hkv, dividing Hq.", 2);
        Option<int> headDim = CliOptions.PositiveInt("--dim", "Head dimension D.", 32);
        Option<int> batch = CliOptions.PositiveInt("--batch", "Batch size B.", 1);
        Option<int?> seed = CliOptions.OptionalInt("--seed", "Seed of the random inputs (default: a fresh one, printed so a run can be repeated).");

        var command = new Command("demo", "Run the ring on random inputs for every mask and load balancing and compare with a float64 reference.")
        {
            ringSize, sequence, heads, keyValueHeads, headDim, batch, seed,
        };
        command.SetAction(parsed =>
        {
            var settings = new DemoSettings
            {
                RingSize = parsed.GetValue(ringSize),
                SequenceLength = parsed.GetValue(sequence),
                QueryHeads = parsed.GetValue(heads),
                KeyValueHeads = parsed.GetValue(keyValueHeads),
                HeadDim = parsed.GetValue(headDim),
                BatchSize = parsed.GetValue(batch),
                Seed = parsed.GetValue(seed) ?? Random.Shared.Next(),
            };
            using ILoggerFactory loggers = VerboseLogging.Create(parsed.GetValue(verbose));
            return DemoRunner.Run(settings, parsed.InvocationConfiguration.Output, loggers);
        });
        return command;
    }
}
