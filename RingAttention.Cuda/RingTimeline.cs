using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RingAttention.Cuda;

/// <summary>The per-rank, per-step compute, transfer and accumulation intervals of the last ring call of a plan.</summary>
public sealed class RingTimeline
{
    internal RingTimeline(IReadOnlyList<RingTimelineInterval> intervals) => Intervals = intervals;

    /// <summary>Every interval, rank by rank.</summary>
    public IReadOnlyList<RingTimelineInterval> Intervals { get; }

    /// <summary>Sum of the compute intervals of <paramref name="rank"/>, in microseconds.</summary>
    public double ComputeMicroseconds(int rank) => Intervals.Where(i => i.Rank == rank && i.Kind == RingTimelineKind.Compute).Sum(i => i.DurationMicroseconds);

    /// <summary>Sum of the accumulation-stream intervals of <paramref name="rank"/>, in microseconds.</summary>
    public double AccumulateMicroseconds(int rank) => Intervals.Where(i => i.Rank == rank && i.Kind == RingTimelineKind.Accumulate).Sum(i => i.DurationMicroseconds);

    /// <summary>Sum of the transfer intervals of <paramref name="rank"/>, in microseconds.</summary>
    public double TransferMicroseconds(int rank) => Intervals.Where(i => i.Rank == rank && i.Kind == RingTimelineKind.Transfer).Sum(i => i.DurationMicroseconds);

    /// <summary>
    /// The share of <paramref name="rank"/>'s transfer time that ran while the same rank's attention was running: 1 when
    /// every transfer hid behind compute, 0 when none did. NaN when the rank made no transfer.
    /// </summary>
    public double HiddenTransferShare(int rank)
    {
        double total = TransferMicroseconds(rank);
        return total > 0 ? BesideCompute(rank, RingTimelineKind.Transfer) / total : double.NaN;
    }

    /// <summary>
    /// Microseconds of <paramref name="rank"/>'s accumulation-stream work that ran while none of its attention kernels
    /// did: what merges and accumulations add to the rank's time.
    /// </summary>
    public double ExposedAccumulateMicroseconds(int rank) => AccumulateMicroseconds(rank) - BesideCompute(rank, RingTimelineKind.Accumulate);

    /// <summary>When <paramref name="rank"/>'s last interval ended, from the call's origin, in microseconds.</summary>
    public double EndMicroseconds(int rank) =>
        Intervals.Where(i => i.Rank == rank).Select(i => i.StartMicroseconds + i.DurationMicroseconds).DefaultIfEmpty(0).Max();

    /// <summary>How much of the intervals of <paramref name="kind"/> ran beside one of the rank's attention kernels.</summary>
    private double BesideCompute(int rank, RingTimelineKind kind)
    {
        RingTimelineInterval[] compute = [.. Intervals.Where(i => i.Rank == rank && i.Kind == RingTimelineKind.Compute)];
        double beside = 0;
        foreach (RingTimelineInterval other in Intervals.Where(i => i.Rank == rank && i.Kind == kind))
        {
            double start = other.StartMicroseconds;
            double end = start + other.DurationMicroseconds;

            // Compute intervals of one rank run on one stream, so they do not overlap each other.
            beside += compute.Sum(c => Math.Max(0, Math.Min(end, c.StartMicroseconds + c.DurationMicroseconds) - Math.Max(start, c.StartMicroseconds)));
        }

        return beside;
    }

    /// <summary>
    /// The timeline as Chrome trace JSON (chrome://tracing, Perfetto): one complete ("X") event per interval, pid = rank,
    /// tid = "compute", "transfer" or "accumulate".
    /// </summary>
    public string ToChromeTraceJson()
    {
        using var stream = new MemoryStream();
        WriteChromeTrace(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes <see cref="ToChromeTraceJson"/> to <paramref name="destination"/>.</summary>
    public void WriteChromeTrace(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteStartArray("traceEvents");
        foreach (RingTimelineInterval interval in Intervals)
        {
            json.WriteStartObject();
            json.WriteString("name", Name(interval));
            json.WriteString("ph", "X");
            json.WriteNumber("ts", interval.StartMicroseconds);
            json.WriteNumber("dur", interval.DurationMicroseconds);
            json.WriteNumber("pid", interval.Rank);
            json.WriteString("tid", interval.Kind switch
            {
                RingTimelineKind.Compute => "compute",
                RingTimelineKind.Accumulate => "accumulate",
                _ => "transfer",
            });
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteEndObject();
    }

    private static string Name(in RingTimelineInterval interval) => interval.Kind switch
    {
        RingTimelineKind.Compute => string.Create(CultureInfo.InvariantCulture, $"{interval.Pass} step {interval.Step} attention"),
        RingTimelineKind.Accumulate => string.Create(CultureInfo.InvariantCulture, $"{interval.Pass} step {interval.Step} merge/accumulate"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{interval.Pass} step {interval.Step} {interval.Channel} exchange"),
    };
}
