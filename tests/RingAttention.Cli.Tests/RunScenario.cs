using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Tests;

/// <summary>
/// Input files for <c>ringattn run</c> in a temp folder, with fresh random contents, and the command line that
/// uses them. Tests change a file or an option to make one thing wrong.
/// </summary>
internal sealed class RunScenario : IDisposable
{
    /// <summary>Q's shape in the error tests: small, S divisible by 2, 4 and 8, GQA with two query heads per key head.</summary>
    public static readonly int[] SmallQuery = [1, 16, 4, 8];

    /// <summary>K's and V's shape matching <see cref="SmallQuery"/>.</summary>
    public static readonly int[] SmallKeyValue = [1, 16, 2, 8];

    private readonly TempDirectory _directory = new();

    /// <param name="queryShape">Q's file shape (and dO's).</param>
    /// <param name="keyValueShape">K's and V's file shape.</param>
    public RunScenario(int[] queryShape, int[] keyValueShape)
    {
        Random random = TestRandom.Create(out int seed);
        Seed = seed;
        Query = Write(QueryPath, queryShape, random);
        Key = Write(KeyPath, keyValueShape, random);
        Value = Write(ValuePath, keyValueShape, random);
        OutputGradient = Write(OutputGradientPath, queryShape, random);
    }

    public int Seed { get; }

    public float[] Query { get; }

    public float[] Key { get; }

    public float[] Value { get; }

    public float[] OutputGradient { get; }

    public string QueryPath => _directory.File("q.npy");

    public string KeyPath => _directory.File("k.npy");

    public string ValuePath => _directory.File("v.npy");

    public string OutputGradientPath => _directory.File("do.npy");

    public string OutputPath => _directory.File("o.npy");

    public string LsePath => _directory.File("lse.npy");

    public string QueryGradientPath => _directory.File("dq.npy");

    public string KeyGradientPath => _directory.File("dk.npy");

    public string ValueGradientPath => _directory.File("dv.npy");

    public string Directory => _directory.Path;

    public string File(string name) => _directory.File(name);

    /// <summary>The forward command line (backend omitted: cpu is the default).</summary>
    public List<string> ForwardArgs(int ringSize, string mask, string balance) =>
    [
        "run", "--cp", ringSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mask", mask, "--balance", balance,
        "--q", QueryPath, "--k", KeyPath, "--v", ValuePath, "--out", OutputPath, "--lse", LsePath,
    ];

    /// <summary>The forward command line plus the backward's options.</summary>
    public List<string> BackwardArgs(int ringSize, string mask, string balance) =>
    [
        .. ForwardArgs(ringSize, mask, balance),
        "--do", OutputGradientPath, "--dq", QueryGradientPath, "--dk", KeyGradientPath, "--dv", ValueGradientPath,
    ];

    /// <summary>Replaces the value after <paramref name="option"/> in <paramref name="args"/>.</summary>
    public static List<string> With(List<string> args, string option, string value)
    {
        int index = args.IndexOf(option);
        Assert.True(index >= 0, $"{option} is not in the command line");
        args[index + 1] = value;
        return args;
    }

    public void Dispose() => _directory.Dispose();

    private static float[] Write(string path, int[] shape, Random random)
    {
        float[] data = TestRandom.Normal(random, NpyArray.ElementCountOf(shape));
        NpyWriter.Write(path, new NpyArray(shape, data));
        return data;
    }
}
