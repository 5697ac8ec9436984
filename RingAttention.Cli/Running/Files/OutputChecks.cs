namespace RingAttention.Cli.Running.Files;

/// <summary>
/// What is checked about the output options before any input is read: each output must go into an existing directory,
/// must not be a directory, and must not be an input or another output (compared after following links), since a run
/// would otherwise overwrite its own input or write two results into one file.
/// </summary>
internal static class OutputChecks
{
    /// <summary>Throws <see cref="CliUsageException"/> naming the options and paths of the first problem found.</summary>
    public static void ThrowIfUnusable(IReadOnlyList<FileOption> inputs, IReadOnlyList<FileOption> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var claimed = new List<(FileOption File, string Canonical)>();
        foreach (FileOption input in inputs)
        {
            claimed.Add((input, CanonicalPath.Resolve(input.Path)));
        }

        foreach (FileOption output in outputs)
        {
            ThrowIfNoPlaceFor(output);
            string canonical = CanonicalPath.Resolve(output.Path);
            foreach ((FileOption other, string otherCanonical) in claimed)
            {
                if (CanonicalPath.Comparer.Equals(canonical, otherCanonical))
                {
                    throw new CliUsageException($"{output.Name} is the same file as {other.Name}");
                }
            }

            claimed.Add((output, canonical));
        }
    }

    /// <summary>The output must name a file (not a directory) in a directory that exists.</summary>
    private static void ThrowIfNoPlaceFor(FileOption output)
    {
        if (output.Path.Length == 0)
        {
            throw new CliUsageException($"{output.Option} needs a file name, got an empty one");
        }

        string full = Path.GetFullPath(output.Path);
        if (Directory.Exists(full))
        {
            throw new CliUsageException($"{output.Name} is a directory; name a file in it");
        }

        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            throw new CliUsageException($"{output.Name}: the directory {directory ?? full} does not exist");
        }
    }
}
