using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Running;

/// <summary>An input array with the option and file it came from, so shape errors can name both.</summary>
/// <param name="Option">The option that named the file, e.g. "--q".</param>
/// <param name="Path">The file as the user wrote it.</param>
/// <param name="Array">Its contents.</param>
internal sealed record InputTensor(string Option, string Path, NpyArray Array)
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="NpyFormatException">The file is not a supported .npy file.</exception>
    /// <exception cref="CliUsageException">The file does not exist.</exception>
    public static InputTensor Load(string option, string path)
    {
        if (!File.Exists(path))
        {
            throw new CliUsageException($"{option} {path}: no such file");
        }

        return new InputTensor(option, path, NpyReader.Read(path));
    }

    /// <summary>"--q Q.npy", how messages refer to this tensor.</summary>
    public string Name => $"{Option} {Path}";

    /// <summary>Name and shape, for building the problem.</summary>
    public TensorInfo Info => new(Name, Array.Shape);
}
