using System.Globalization;

namespace RingAttention.Distributed.Coordination;

/// <summary>The coordinator's messages: invariant formatting, and rank lists written the way people read them.</summary>
internal static class CoordinatorText
{
    /// <summary>Formats with the invariant culture, so messages read the same on every machine of the job.</summary>
    public static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>"rank 2" or "ranks 2, 3" (in ascending order).</summary>
    public static string Ranks(IEnumerable<int> ranks)
    {
        int[] sorted = [.. ranks.Order()];
        return (sorted.Length == 1 ? "rank " : "ranks ") + string.Join(", ", sorted);
    }

    /// <summary>Seconds without trailing zeros: "2 s", "0.5 s".</summary>
    public static string Seconds(TimeSpan span) => Format($"{span.TotalSeconds:0.###} s");
}
