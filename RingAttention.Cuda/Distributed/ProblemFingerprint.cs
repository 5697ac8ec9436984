using System.Globalization;
using System.Text;

namespace RingAttention.Cuda.Distributed;

/// <summary>
/// What every rank of one ring must agree on, as a fixed-size record that an NCCL all-gather can carry: the shape, the
/// element type, mask, balance, layout, softmax scale (its bits: two ranks that print the same scale may still differ)
/// and ring size. <see cref="Compare"/> turns N of them into one message naming each field that differs, identical on
/// every rank since every rank compares the same gathered bytes.
/// </summary>
internal static class ProblemFingerprint
{
    /// <summary>Bytes of one rank's record (UTF-8 "name=value" fields separated by ';', zero-padded).</summary>
    public const int Bytes = 256;

    /// <summary>The record of <paramref name="problem"/> run in <paramref name="elementType"/>.</summary>
    public static byte[] Encode(RingProblem problem, DeviceElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(problem);
        string text = string.Join(';', Fields(problem, elementType).Select(f => f.Name + "=" + f.Value));
        byte[] record = new byte[Bytes];
        int written = Encoding.UTF8.GetBytes(text, record);
        if (written >= Bytes)
        {
            throw new InvalidOperationException("The problem's fingerprint does not fit its record; widen ProblemFingerprint.Bytes.");
        }

        return record;
    }

    /// <summary>The fields of one record, in order.</summary>
    public static IReadOnlyList<(string Name, string Value)> Decode(ReadOnlySpan<byte> record)
    {
        int end = record.IndexOf((byte)0);
        string text = Encoding.UTF8.GetString(end < 0 ? record : record[..end]);
        return [.. text.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(field =>
        {
            int equals = field.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? (field, string.Empty) : (field[..equals], field[(equals + 1)..]);
        })];
    }

    /// <summary>
    /// Null when every rank's record in <paramref name="gathered"/> (rank r at r × <see cref="Bytes"/>) is the same;
    /// otherwise one message naming each differing field and the ranks holding each value.
    /// </summary>
    public static string? Compare(ReadOnlySpan<byte> gathered, int ranks)
    {
        var perRank = new List<IReadOnlyList<(string Name, string Value)>>(ranks);
        for (int r = 0; r < ranks; r++)
        {
            perRank.Add(Decode(gathered.Slice(r * Bytes, Bytes)));
        }

        var differences = new List<string>();
        IEnumerable<string> names = perRank.SelectMany(fields => fields.Select(f => f.Name)).Distinct(StringComparer.Ordinal);
        foreach (string name in names)
        {
            // Values in order of the first rank holding each, so the message reads "ranks 0,2 96, rank 1 192".
            var byValue = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (int r = 0; r < ranks; r++)
            {
                string value = perRank[r].FirstOrDefault(f => f.Name == name).Value ?? "<missing>";
                if (!byValue.TryGetValue(value, out List<int>? holders))
                {
                    byValue[value] = holders = [];
                }

                holders.Add(r);
            }

            if (byValue.Count > 1)
            {
                differences.Add(name + ": " + string.Join(", ", byValue.Select(v => RankList(v.Value) + " " + v.Key)));
            }
        }

        return differences.Count == 0
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"The {ranks} ranks of the ring were given different problems; {string.Join("; ", differences)}.");
    }

    private static string RankList(List<int> ranks) => (ranks.Count == 1 ? "rank " : "ranks ") + string.Join(",", ranks);

    private static IEnumerable<(string Name, string Value)> Fields(RingProblem p, DeviceElementType elementType)
    {
        yield return ("N", Invariant(p.RingSize));
        yield return ("B", Invariant(p.BatchSize));
        yield return ("S", Invariant(p.SequenceLength));
        yield return ("Hq", Invariant(p.QueryHeads));
        yield return ("Hkv", Invariant(p.KeyValueHeads));
        yield return ("D", Invariant(p.HeadDim));
        yield return ("dtype", elementType.ToString());
        yield return ("mask", p.Mask.ToString());
        yield return ("balance", p.Balance.ToString());
        yield return ("window", p.Window is AttentionWindow w ? w.ToString() : "none");
        yield return ("layout", p.Layout.ToString());
        yield return ("scale", string.Create(CultureInfo.InvariantCulture, $"{p.SoftmaxScale:R} (0x{BitConverter.SingleToInt32Bits(p.SoftmaxScale):X8})"));
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
