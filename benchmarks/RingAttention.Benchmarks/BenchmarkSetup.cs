using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Portability;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using Perfolizer.Horology;
using Perfolizer.Models;

namespace RingAttention.Benchmarks;

/// <summary>The BenchmarkDotNet configuration: in-process, few iterations, memory diagnoser, artifacts in a temp folder.</summary>
internal static class BenchmarkSetup
{
    /// <summary>
    /// The job: in-process without emit (nothing is generated or built, so the runtime alone suffices), one invocation per
    /// iteration (each is a whole pass ended by a stream synchronize), warm-up excluded from the statistics, no pilot and no
    /// overhead evaluation (RunStrategy.Monitoring).
    /// </summary>
    public static Job Job(bool quick) => BenchmarkDotNet.Jobs.Job.Default
        .WithToolchain(new InProcessNoEmitToolchain(TimeSpan.FromMinutes(10), logOutput: true))
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(quick ? 1 : 2)
        .WithIterationCount(quick ? 3 : 6)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithEvaluateOverhead(false)
        .WithId(quick ? "gpu-quick" : "gpu");

    public static IConfig Config(Job job, string artifacts) => ManualConfig.CreateEmpty()
        .AddJob(job)
        .AddLogger(ConsoleLogger.Default)
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumnProvider(DefaultColumnProviders.Descriptor, DefaultColumnProviders.Params, DefaultColumnProviders.Metrics)
        .AddColumn(StatisticColumn.Mean, StatisticColumn.StdDev, StatisticColumn.Min, StatisticColumn.Iterations)
        .AddColumn(new TflopsColumn())
        .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond).WithMaxParameterColumnWidth(48))
        .WithArtifactsPath(artifacts)
        .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);

    /// <summary>
    /// Replaces BenchmarkDotNet's host information with one that starts no process: by default it runs `dotnet --version`
    /// (for the SDK line), `cat /proc/cpuinfo` and `lscpu`. The CPU name is read from /proc/cpuinfo directly. Returns false
    /// (and changes nothing) if this BenchmarkDotNet version keeps it elsewhere.
    /// </summary>
    public static bool UseOfflineHostInformation()
    {
        FieldInfo? current = typeof(HostEnvironmentInfo).GetField("current", BindingFlags.NonPublic | BindingFlags.Static);
        if (current is null || current.FieldType != typeof(HostEnvironmentInfo))
        {
            return false;
        }

        current.SetValue(null, new OfflineHostEnvironmentInfo());
        return true;
    }

    private sealed class OfflineHostEnvironmentInfo : HostEnvironmentInfo
    {
        public OfflineHostEnvironmentInfo()
        {
            DotNetSdkVersion = new Lazy<string>(() => string.Empty);
            Cpu = new Lazy<CpuInfo>(() => new CpuInfo { ProcessorName = CpuName(), LogicalCoreCount = Environment.ProcessorCount });
            VirtualMachineHypervisor = new Lazy<VirtualMachineHypervisor?>(() => null);
        }

        private static string CpuName()
        {
            try
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.Contains(':', StringComparison.Ordinal))
                    {
                        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    }
                }
            }
            catch (IOException)
            {
            }

            return "unknown CPU";
        }
    }
}
