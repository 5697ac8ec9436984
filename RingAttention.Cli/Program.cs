namespace RingAttention.Cli;

/// <summary>Process entry point of ringattn.</summary>
internal static class Program
{
    private static int Main(string[] args) => CliApp.Run(args, Console.Out, Console.Error);
}
