using System.Text.RegularExpressions;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Properties;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using RingAttention.Cuda;
using static System.FormattableString;

namespace RingAttention.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet RingAttention.Benchmarks.dll [--out DIR] [--quick | --smoke] [--strategies | --packed] [--cases GLOB,...] [--list] [BenchmarkDotNet options]</c>,
/// or <c>--from-times FILE [--out DIR]</c> (no GPU: the multi-GPU report from RankProbe's TIME lines).
/// Runs the cases with BenchmarkDotNet in-process and writes <c>&lt;card&gt;.md</c>, <c>.json</c> and <c>.svg</c> into DIR.
/// </summary>
public static class Program
{
    private const string Usage = """
        RingAttention GPU benchmarks (BenchmarkDotNet, in-process).
          dotnet RingAttention.Benchmarks.dll [options] [BenchmarkDotNet options, e.g. --filter '*Forward*']
        options:
          --out DIR        where <card>.md, <card>.json and <card>.svg go (default: benchmarks/results)
          --quick          a subset with fewer iterations (about 1-2 minutes)
          --smoke          tiny shapes, same structure (for the CPU emulator of the shim; the numbers mean nothing)
          --strategies     the strategy suite instead (issue 16: each strategy at S = 64K, N = 2, 4, 8; with --quick N = 8, H = 16)
          --packed         the packed-documents suite instead (issue 17: 64K tokens in 20 documents, N = 8, every rank replayed)
          --from-times FILE  no GPU run: read RankProbe TIME lines (scripts/gpu-multi-bench.sh, one process per GPU) and write
                           <out>/<FILE's name>.md, the strategies across GPUs and the heuristic's goal per shape
          --cases GLOB     only cases whose id matches (comma-separated globs, e.g. 'base-*,ring-*' or '*S064K*')
          --list           print the case ids and exit (no GPU needed)
        env: RINGATTN_NATIVE_PATH (libringattn_shim.so or its folder), GIT_COMMIT (else read from .git)
        """;

    /// <summary>Runs the suite; 0 when the report was written, 1 when cases failed, 2 for usage or GPU errors.</summary>
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string output = Path.Combine("benchmarks", "results");
        CaseCatalog.Size size = CaseCatalog.Size.Full;
        string[]? globs = null;
        bool list = false;
        bool strategies = false;
        bool packed = false;
        string? fromTimes = null;
        var passThrough = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--quick":
                    size = CaseCatalog.Size.Quick;
                    break;
                case "--smoke":
                    size = CaseCatalog.Size.Smoke;
                    break;
                case "--cases" when i + 1 < args.Length:
                    globs = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--strategies":
                    strategies = true;
                    break;
                case "--packed":
                    packed = true;
                    break;
                case "--from-times" when i + 1 < args.Length:
                    fromTimes = args[++i];
                    break;
                case "--list":
                    list = true;
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    passThrough.Add(args[i]);
                    break;
            }
        }

        if (fromTimes is not null)
        {
            return WriteMultiGpuReport(fromTimes, output);
        }

        if (strategies && packed)
        {
            Console.Error.WriteLine("--strategies and --packed are two suites: give one.");
            return 2;
        }

        IReadOnlyList<BenchCase> all = strategies ? StrategyCatalog.Build(size) : packed ? PackedCatalog.Build(size) : CaseCatalog.Build(size);
        IReadOnlyList<BenchCase> cases = globs is null ? all : [.. all.Where(c => globs.Any(g => Glob(g).IsMatch(c.Id)))];
        if (list)
        {
            foreach (BenchCase c in cases)
            {
                Console.WriteLine(c.Id);
            }

            return 0;
        }

        if (cases.Count == 0)
        {
            Console.Error.WriteLine("No case matches --cases. Use --list to see them.");
            return 2;
        }

        if (!CudaRingAttention.IsSupported(out string reason))
        {
            Console.Error.WriteLine("The GPU path cannot run here: " + reason);
            return 2;
        }

        GpuEnvironment environment = GpuEnvironment.Read();
        Console.WriteLine(Invariant($"{environment.Card}: driver {environment.Driver}, CUDA {environment.CudaRuntime}, cuDNN {environment.CudnnRuntime}, NCCL {environment.NcclRuntime}, commit {environment.Commit}"));
        Console.WriteLine(Invariant($"{cases.Count} cases x 2 passes ({size}); shim {environment.ShimPath}"));

        bool offline = BenchmarkSetup.UseOfflineHostInformation();
        if (!offline)
        {
            Console.WriteLine("note: could not replace BenchmarkDotNet's host information; it may start `dotnet --version` and `lscpu`.");
        }

        // BenchmarkDotNet's own artifacts (logs) stay out of the repository.
        string artifacts = Path.Combine(Path.GetTempPath(), Invariant($"ringattn-bdn-{Environment.ProcessId}"));
        Job job = BenchmarkSetup.Job(quick: size != CaseCatalog.Size.Full);
        AttentionBenchmarks.Selected = cases;
        Summary summary = BenchmarkRunner.Run<AttentionBenchmarks>(BenchmarkSetup.Config(job, artifacts), [.. passThrough]);

        if (summary.HasCriticalValidationErrors)
        {
            foreach (var error in summary.ValidationErrors)
            {
                Console.Error.WriteLine(error.Message);
            }

            return 2;
        }

        IReadOnlyList<ResultRow> rows = Results.FromSummary(summary, cases);
        string bdn = Invariant($"BenchmarkDotNet {BenchmarkDotNetInfo.Instance.BrandVersion}, InProcessNoEmit, warm-up {job.Run.WarmupCount}, iterations {job.Run.IterationCount}, 1 invocation each, MemoryDiagnoser");
        IReadOnlyList<string> traces = [];
        IReadOnlyList<CriticalPathBreakdown> breakdowns = [];
        IReadOnlyList<InterleavedTiming> interleaved = [];
        if (globs is null && !strategies && !packed)
        {
            interleaved = InterleavedComparison.Measure(size, rounds: size == CaseCatalog.Size.Full ? 10 : 4);
            (traces, breakdowns) = TimelineTrace.ReplayCriticalPaths(output, environment.CardSlug, size);
            traces = [.. traces, .. TimelineTrace.Write(output, environment.CardSlug, size)];
        }

        IReadOnlyList<StrategyRow> strategyRows = strategies ? StrategyReport.Build(rows, cases) : [];
        IReadOnlyList<GoalResult> goals = strategies
            ? StrategyReport.Goals(strategyRows)
            : packed
                ? PackedReport.Goals(rows)
                : Results.Goals(rows, CaseCatalog.SingleGpuShapes(size), CaseCatalog.RingShapes(size), breakdowns, interleaved);
        string suite = size.ToString().ToLowerInvariant();
        string name = strategies || packed ? (strategies ? "strategies" : "packed") + (size == CaseCatalog.Size.Full ? string.Empty : "-" + suite) : suite;
        var report = new RunReport(environment, name, bdn, rows, goals, breakdowns)
        {
            Strategies = strategyRows,
        };
        IReadOnlyList<string> files = [.. ReportWriter.Write(report, output), .. traces];

        Console.WriteLine(ReportWriter.ConsoleTable(report, files));
        return rows.Any(r => r.Failed) ? 1 : 0;
    }

    /// <summary>The multi-GPU report from a file of TIME lines; 2 when the file holds none.</summary>
    private static int WriteMultiGpuReport(string path, string output)
    {
        IReadOnlyList<ProbeTime> times = MultiGpuTimes.Parse(File.ReadLines(path));
        if (times.Count == 0)
        {
            Console.Error.WriteLine($"{path} holds no 'TIME rank' line of RingAttention.RankProbe time.");
            return 2;
        }

        Directory.CreateDirectory(output);
        string report = Path.Combine(output, Path.GetFileNameWithoutExtension(path) + ".md");
        string markdown = MultiGpuTimes.Markdown(times, path);
        File.WriteAllText(report, markdown);
        Console.Write(markdown);
        Console.WriteLine("wrote " + report);
        return 0;
    }

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
