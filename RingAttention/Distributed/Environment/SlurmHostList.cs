namespace RingAttention.Distributed;

/// <summary>
/// The first host of a Slurm hostlist expression (SLURM_STEP_NODELIST, SLURM_JOB_NODELIST), as
/// <c>scontrol show hostnames | head -1</c> would print it: <c>node[01-04,07]</c> → <c>node01</c>,
/// <c>gpu-[3,5-6],cpu01</c> → <c>gpu-3</c>, <c>a[1-2]b[3-4]</c> → <c>a1b3</c>. Zero padding is kept because each
/// range's first bound is taken as written.
/// </summary>
internal static class SlurmHostList
{
    /// <summary>The first host; throws <see cref="FormatException"/> with the reason when the list is malformed.</summary>
    public static string First(string hostList)
    {
        ArgumentNullException.ThrowIfNull(hostList);
        var host = new System.Text.StringBuilder();
        int index = 0;
        while (index < hostList.Length && hostList[index] != ',')
        {
            char c = hostList[index];
            if (c == ']')
            {
                throw new FormatException($"']' at offset {index} closes no '['");
            }

            if (c != '[')
            {
                host.Append(c);
                index++;
                continue;
            }

            int close = hostList.IndexOf(']', index + 1);
            if (close < 0)
            {
                throw new FormatException($"'[' at offset {index} is never closed");
            }

            host.Append(FirstOfRanges(hostList[(index + 1)..close], index));
            index = close + 1;
        }

        return host.Length > 0 ? host.ToString() : throw new FormatException("the first host is empty");
    }

    /// <summary>The first value of a bracket's body such as <c>01-04,07</c>: its first range's lower bound.</summary>
    private static string FirstOfRanges(string ranges, int offset)
    {
        string first = ranges.Split(',')[0].Split('-')[0];
        return first.Length > 0 && first.All(char.IsAsciiDigit)
            ? first
            : throw new FormatException($"the range list '[{ranges}]' at offset {offset} does not start with a number");
    }
}
