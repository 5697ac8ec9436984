using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace RingAttention.Benchmarks;

/// <summary>TFLOP/s in BenchmarkDotNet's own table (per GPU for the critical path). The ratios are in the report's table.</summary>
internal sealed class TflopsColumn : IColumn
{
    public string Id => nameof(TflopsColumn);

    public string ColumnName => "TFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Full-problem FLOPs (4·B·Hq·S²·D fwd, 2.5× bwd, halved for causal) / mean time; per GPU (FLOPs / N) for the critical path";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        if (benchmarkCase.Parameters["Case"] is not BenchCase c || summary[benchmarkCase]?.ResultStatistics is not { } stats)
        {
            return "-";
        }

        Pass pass = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(AttentionBenchmarks.Backward) ? Pass.Backward : Pass.Forward;
        int perGpu = c.Kind == CaseKind.CriticalPath ? c.RingSize : 1;
        double tflops = c.Flops(pass) / perGpu / (stats.Mean * 1e-9) / 1e12;
        return tflops.ToString("0.0", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;
}
