using RingAttention.Cli.Commands;
using static System.FormattableString;

namespace RingAttention.Cli.Running;

/// <summary>
/// The <c>--layout thd</c> half of <see cref="RunProblemBuilder"/>: reads T, Hq, Hkv and D off the [T, H, D] files,
/// checks them against each other and against <c>--seqlens</c>, and builds the packed <see cref="RingProblem"/>, every
/// document padded for the run's <c>--balance</c> on its own. Every failure is a <see cref="CliUsageException"/>
/// naming the files, before any data is read.
/// </summary>
internal static class PackedProblemBuilder
{
    private const int TokenAxis = 0;
    private const int HeadsAxis = 1;
    private const int HeadDimAxis = 2;

    /// <summary>Builds and validates the packed problem with the ring; <see cref="StrategyResolver"/> applies --strategy to it.</summary>
    /// <exception cref="CliUsageException">The shapes are wrong, disagree, or do not hold the documents' tokens.</exception>
    public static RingProblem Build(RunRequest request, TensorInfo query, TensorInfo key, TensorInfo value, TensorInfo? outputGradient)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        IReadOnlyList<int> lengths = request.DocumentLengths
            ?? throw new CliUsageException($"--layout thd needs {SeqlensOption.Name} L1,L2,... (the packed documents' lengths)");
        foreach (TensorInfo tensor in outputGradient is null ? [query, key, value] : (TensorInfo[])[query, key, value, outputGradient])
        {
            RequireRank3(tensor);
        }

        RunProblemBuilder.RequireSameShape(key, value);
        if (outputGradient is not null)
        {
            RunProblemBuilder.RequireSameShape(query, outputGradient);
        }

        int tokens = query.Shape[TokenAxis];
        RunProblemBuilder.RequireEqual(query, key, "T (tokens)", tokens, key.Shape[TokenAxis], TensorLayout.Thd);
        RunProblemBuilder.RequireEqual(query, key, "D (head dim)", query.Shape[HeadDimAxis], key.Shape[HeadDimAxis], TensorLayout.Thd);
        RunProblemBuilder.RequireHeadsDivide(query, key, query.Shape[HeadsAxis], key.Shape[HeadsAxis]);
        RequireLengthsFill(lengths, query, tokens);
        RequirePaddingFits(request, lengths, query, tokens);

        var problem = new RingProblem
        {
            BatchSize = 1,
            SequenceLength = tokens,
            QueryHeads = query.Shape[HeadsAxis],
            KeyValueHeads = key.Shape[HeadsAxis],
            HeadDim = query.Shape[HeadDimAxis],
            RingSize = request.RingSize,
            Mask = request.Mask,
            Balance = request.Balance,
            Layout = TensorLayout.Thd,
            Documents = PackedDocuments.Padded(lengths, request.Balance, request.RingSize),
            Scale = request.Scale,
            Window = request.Window,
        };
        problem.Validate();
        return problem;
    }

    private static void RequireRank3(TensorInfo tensor)
    {
        if (tensor.Shape.Count != 3)
        {
            throw new CliUsageException(Invariant(
                $"{tensor.Name} has shape {tensor.ShapeText} ({tensor.Shape.Count} axes); expected 3 axes {RunProblemBuilder.AxesText(TensorLayout.Thd)} for --layout thd (packed documents have no batch axis)"));
        }

        RunProblemBuilder.RequireNonEmpty(tensor);
    }

    /// <summary>The documents are the files' tokens, exactly: T = the sum of --seqlens.</summary>
    private static void RequireLengthsFill(IReadOnlyList<int> lengths, TensorInfo query, int tokens)
    {
        long total = lengths.Sum(length => (long)length);
        if (total != tokens)
        {
            throw new CliUsageException(Invariant(
                $"{SeqlensOption.Name} add up to {total} tokens ({lengths.Count} documents) but {query.Name} {query.ShapeText} has T = {tokens}; they must be equal"));
        }
    }

    /// <summary>
    /// A ring larger than the tokens only adds ranks of padding, so it is bounded by T (as for the other layouts, by S),
    /// and the padded total must stay an int: both checked here, before the core computes 2N or the padded offsets.
    /// </summary>
    private static void RequirePaddingFits(RunRequest request, IReadOnlyList<int> lengths, TensorInfo query, int tokens)
    {
        if (request.RingSize > tokens)
        {
            throw new CliUsageException(Invariant(
                $"--cp {request.RingSize} is too large for T = {tokens} ({query.Name}): a ring larger than the tokens only adds ranks of padding, so --cp can be at most {tokens}"));
        }

        long multiple = request.Balance == LoadBalancing.DualChunk ? 2L * request.RingSize : request.RingSize;
        long padded = lengths.Sum(length => (length + multiple - 1) / multiple * multiple);
        if (padded > int.MaxValue)
        {
            string balance = CliChoices.NameOf(CliChoices.Balances, request.Balance);
            throw new CliUsageException(Invariant(
                $"--balance {balance} over --cp {request.RingSize} pads the {lengths.Count} documents of {SeqlensOption.Name} to {padded} tokens, more than {int.MaxValue}"));
        }
    }
}
