using System.Globalization;

namespace RingAttention.Cpu;

/// <summary>
/// The CPU ring's check of the caller's host shards: one array per rank, each with the element count of its extent.
/// The shapes its messages name are formatted once per plan, since formatted per call they were most of a call's
/// allocations.
/// </summary>
internal sealed class HostShardChecks : ITensorCheck<IReadOnlyList<float[]>>
{
    private readonly RingProblem _problem;
    private readonly string _queryShape;
    private readonly string _keyValueShape;
    private readonly string _lseShape;

    public HostShardChecks(RingProblem problem)
    {
        _problem = problem;
        _queryShape = Text($"B={problem.BatchSize} x L={problem.LocalLength} x Hq={problem.QueryHeads} x D={problem.HeadDim}");
        _keyValueShape = Text($"B={problem.BatchSize} x L={problem.LocalLength} x Hkv={problem.KeyValueHeads} x D={problem.HeadDim}");
        _lseShape = Text($"B={problem.BatchSize} x Hq={problem.QueryHeads} x L={problem.LocalLength}");
    }

    /// <inheritdoc />
    public void Check(IReadOnlyList<float[]> shards, string name, TensorExtent extent)
    {
        (long elements, string shape) = extent switch
        {
            TensorExtent.Query => (_problem.LocalQueryElements, _queryShape),
            TensorExtent.KeyValuePlane => (_problem.LocalKeyValueElements, _keyValueShape),
            _ => (_problem.LocalLseElements, _lseShape),
        };
        ArgumentNullException.ThrowIfNull(shards, name);
        if (shards.Count != _problem.RingSize)
        {
            throw new ArgumentException(Text($"{name} has {shards.Count} shards, expected one per rank (RingSize={_problem.RingSize})."), name);
        }

        for (int r = 0; r < shards.Count; r++)
        {
            if (shards[r] is null)
            {
                throw new ArgumentNullException(name, Text($"{name}[{r}] is null."));
            }

            if (shards[r].Length != elements)
            {
                throw new ArgumentException(Text($"{name}[{r}] has {shards[r].Length} elements, expected {elements} ({shape})."), name);
            }
        }
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
