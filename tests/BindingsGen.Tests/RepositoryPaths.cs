namespace RingAttention.BindingsGen.Tests;

/// <summary>Finds files of the repository from the test's output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string ShimHeader => Path.Combine(Root, "native", "cudnn-fe-shim", "include", "ringattn_shim.h");

    public static string ShimConfig => Path.Combine(Root, "bindings-gen", "ringattn_shim.bindings.json");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "bindings-gen", "ringattn_shim.bindings.json")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}.");
    }
}
