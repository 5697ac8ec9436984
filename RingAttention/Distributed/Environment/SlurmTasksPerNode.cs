using System.Globalization;

namespace RingAttention.Distributed;

/// <summary>
/// Slurm's tasks-per-node lists (SLURM_STEP_TASKS_PER_NODE, SLURM_TASKS_PER_NODE): counts in node order, a count
/// followed by <c>(xN)</c> repeated for N nodes: <c>4</c>, <c>4(x2)</c>, <c>2,1</c>, <c>3(x2),1</c> (srun.1,
/// "SLURM_STEP_TASKS_PER_NODE").
/// </summary>
internal static class SlurmTasksPerNode
{
    /// <summary>The number of tasks on node <paramref name="nodeIndex"/>; throws <see cref="FormatException"/> with the reason.</summary>
    public static int CountOn(string list, int nodeIndex)
    {
        ArgumentNullException.ThrowIfNull(list);
        int firstNodeOfItem = 0;
        foreach (string item in list.Split(','))
        {
            (int tasks, int nodes) = ParseItem(item);
            if (nodeIndex < firstNodeOfItem + nodes)
            {
                return tasks;
            }

            firstNodeOfItem += nodes;
        }

        throw new FormatException($"it covers {firstNodeOfItem} node(s), not node {nodeIndex}");
    }

    /// <summary>One item: <c>tasks</c> or <c>tasks(xnodes)</c>.</summary>
    private static (int Tasks, int Nodes) ParseItem(string item)
    {
        int open = item.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return (Positive(item), 1);
        }

        if (!item.EndsWith(')') || open + 2 >= item.Length - 1 || item[open + 1] != 'x')
        {
            throw new FormatException($"'{item}' is neither 'N' nor 'N(xM)'");
        }

        return (Positive(item[..open]), Positive(item[(open + 2)..^1]));
    }

    private static int Positive(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new FormatException($"'{text}' is not a positive count");
}
