using RingAttention.Cli.Running.Files;

namespace RingAttention.Cli.Tests;

/// <summary>How output paths are compared with inputs: every link on the way followed, loops survived.</summary>
public sealed class CanonicalPathTests
{
    [Fact]
    public void Links_to_folders_and_files_resolve_to_the_real_file()
    {
        using var folder = new TempDirectory();
        string real = folder.File("real/q.npy");
        Directory.CreateDirectory(folder.File("real"));
        File.WriteAllText(real, "q");
        Directory.CreateSymbolicLink(folder.File("alias"), folder.File("real"));
        File.CreateSymbolicLink(folder.File("link.npy"), folder.File("alias/q.npy"));
        string expected = CanonicalPath.Resolve(real);

        Assert.Equal(expected, CanonicalPath.Resolve(folder.File("alias/q.npy")));
        Assert.Equal(expected, CanonicalPath.Resolve(folder.File("link.npy")));
        Assert.Equal(expected, CanonicalPath.Resolve(folder.File("alias/../real/./q.npy")));
        Assert.Equal(Path.Combine(Path.GetDirectoryName(expected)!, "new.npy"), CanonicalPath.Resolve(folder.File("alias/new.npy")));
    }

    [Fact]
    public void A_loop_of_links_is_left_unresolved_instead_of_hanging()
    {
        using var folder = new TempDirectory();
        File.CreateSymbolicLink(folder.File("a"), folder.File("b"));
        File.CreateSymbolicLink(folder.File("b"), folder.File("a"));

        string resolved = CanonicalPath.Resolve(folder.File("a"));

        Assert.EndsWith("a", resolved, StringComparison.Ordinal);
    }
}
