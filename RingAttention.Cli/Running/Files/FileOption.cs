namespace RingAttention.Cli.Running.Files;

/// <summary>A file named on the command line, with the option that named it, so messages can say both.</summary>
/// <param name="Option">The option, e.g. "--q".</param>
/// <param name="Path">The path as the user wrote it.</param>
internal sealed record FileOption(string Option, string Path)
{
    /// <summary>"--q Q.npy", how messages refer to the file.</summary>
    public string Name => $"{Option} {Path}";
}
