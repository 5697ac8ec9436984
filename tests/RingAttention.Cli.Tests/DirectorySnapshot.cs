namespace RingAttention.Cli.Tests;

/// <summary>Every file under a directory with its bytes, to assert that a refused run changed nothing there.</summary>
internal sealed class DirectorySnapshot
{
    private readonly string _directory;
    private readonly Dictionary<string, byte[]> _files;

    private DirectorySnapshot(string directory, Dictionary<string, byte[]> files)
    {
        _directory = directory;
        _files = files;
    }

    public static DirectorySnapshot Of(string directory) => new(directory, Read(directory));

    /// <summary>Same files (none added, none removed, hidden temporary files included) with the same bytes.</summary>
    public void AssertUnchanged()
    {
        Dictionary<string, byte[]> now = Read(_directory);
        Assert.Equal(_files.Keys.Order(StringComparer.Ordinal), now.Keys.Order(StringComparer.Ordinal));
        foreach ((string path, byte[] bytes) in _files)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(now[path]), $"{path} was changed");
        }
    }

    private static Dictionary<string, byte[]> Read(string directory) =>
        new DirectoryInfo(directory)
            .EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0 })
            .ToDictionary(f => f.FullName, f => f.LinkTarget is null ? File.ReadAllBytes(f.FullName) : [], StringComparer.Ordinal);
}
