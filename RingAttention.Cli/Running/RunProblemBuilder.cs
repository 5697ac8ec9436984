using static System.FormattableString;

namespace RingAttention.Cli.Running;

/// <summary>
/// Reads B, S, Hq, Hkv and D off the input files' shapes, checks that the files agree with each other, and
/// builds the <see cref="RingProblem"/> (packed documents, --layout thd: <see cref="PackedProblemBuilder"/>). Every
/// failure is a <see cref="CliUsageException"/> naming the files.
/// </summary>
internal static class RunProblemBuilder
{
    private const int BatchAxisBshd = 0;
    private const int SequenceAxisBshd = 1;
    private const int HeadsAxis = 2;
    private const int HeadDimAxis = 3;

    /// <summary>
    /// Builds and validates the problem for <paramref name="request"/>, with its strategy (--strategy auto: the library's
    /// choice for <paramref name="link"/>, returned in <paramref name="auto"/>).
    /// </summary>
    /// <exception cref="CliUsageException">The shapes are wrong or disagree, or the strategy cannot split the heads.</exception>
    /// <exception cref="ArgumentException">The library rejects the problem (e.g. S not divisible by N).</exception>
    public static RingProblem Build(RunRequest request, TensorInfo query, TensorInfo key, TensorInfo value, TensorInfo? outputGradient, LinkKind link, out StrategyRecommendation? auto)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (request.Layout == TensorLayout.Thd)
        {
            return StrategyResolver.Apply(request, PackedProblemBuilder.Build(request, query, key, value, outputGradient), query, key, link, out auto);
        }

        foreach (TensorInfo tensor in outputGradient is null ? [query, key, value] : (TensorInfo[])[query, key, value, outputGradient])
        {
            RequireRank4(tensor, request.Layout);
        }

        RequireSameShape(key, value);
        if (outputGradient is not null)
        {
            RequireSameShape(query, outputGradient);
        }

        (int batch, int sequence) = BatchAndSequence(query, request.Layout);
        (int keyBatch, int keySequence) = BatchAndSequence(key, request.Layout);
        RequireEqual(query, key, "B (batch)", batch, keyBatch, request.Layout);
        RequireEqual(query, key, "S (sequence length)", sequence, keySequence, request.Layout);
        RequireEqual(query, key, "D (head dim)", query.Shape[HeadDimAxis], key.Shape[HeadDimAxis], request.Layout);

        int queryHeads = query.Shape[HeadsAxis];
        int keyValueHeads = key.Shape[HeadsAxis];
        RequireHeadsDivide(query, key, queryHeads, keyValueHeads);

        RequireRingFitsSequence(request, query, sequence);
        var problem = new RingProblem
        {
            BatchSize = batch,
            SequenceLength = sequence,
            QueryHeads = queryHeads,
            KeyValueHeads = keyValueHeads,
            HeadDim = query.Shape[HeadDimAxis],
            RingSize = request.RingSize,
            Mask = request.Mask,
            Balance = request.Balance,
            Layout = request.Layout,
            Scale = request.Scale,
            Window = request.Window,
        };
        problem.Validate();
        return StrategyResolver.Apply(request, problem, query, key, link, out auto);
    }

    /// <summary>The axis names of a tensor file in <paramref name="layout"/>.</summary>
    public static string AxesText(TensorLayout layout) => layout switch
    {
        TensorLayout.Bshd => "[B, S, H, D]",
        TensorLayout.Thd => "[T, H, D]",
        _ => "[S, B, H, D]",
    };

    /// <summary>The shape of the LSE file: [B, Hq, S], or [Hq, T] for packed documents.</summary>
    public static int[] LseShape(RingProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Layout == TensorLayout.Thd
            ? [problem.QueryHeads, problem.SequenceLength]
            : [problem.BatchSize, problem.QueryHeads, problem.SequenceLength];
    }

    /// <summary>GQA: Hq must be a multiple of Hkv.</summary>
    internal static void RequireHeadsDivide(TensorInfo query, TensorInfo key, int queryHeads, int keyValueHeads)
    {
        if (queryHeads % keyValueHeads != 0)
        {
            throw new CliUsageException(Invariant(
                $"the query heads (Hq={queryHeads}, {query.Name}) must be a multiple of the key/value heads (Hkv={keyValueHeads}, {key.Name})"));
        }
    }

    /// <summary>Every axis of <paramref name="tensor"/> holds at least one element.</summary>
    internal static void RequireNonEmpty(TensorInfo tensor)
    {
        if (tensor.Shape.Contains(0))
        {
            throw new CliUsageException($"{tensor.Name} has shape {tensor.ShapeText}; every axis must be non-empty");
        }
    }

    /// <summary><paramref name="actual"/> has the shape of <paramref name="expected"/>.</summary>
    internal static void RequireSameShape(TensorInfo expected, TensorInfo actual)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape))
        {
            throw new CliUsageException(
                $"{actual.Name} has shape {actual.ShapeText} but must have the shape of {expected.Name}, {expected.ShapeText}");
        }
    }

    /// <summary>Two files agree on one axis (<paramref name="what"/>).</summary>
    internal static void RequireEqual(TensorInfo first, TensorInfo second, string what, int firstValue, int secondValue, TensorLayout layout)
    {
        if (firstValue != secondValue)
        {
            throw new CliUsageException(Invariant(
                $"{first.Name} {first.ShapeText} and {second.Name} {second.ShapeText} disagree on {what}: {firstValue} vs {secondValue} (layout {LayoutName(layout)}: {AxesText(layout)})"));
        }
    }

    /// <summary>
    /// The library checks that S divides evenly, but for dual-chunk it first computes 2 * N, which overflows for
    /// an N near int.MaxValue; a ring larger than the sequence is refused here, before any arithmetic on N.
    /// </summary>
    private static void RequireRingFitsSequence(RunRequest request, TensorInfo query, int sequence)
    {
        int tokensPerRank = request.Balance == LoadBalancing.DualChunk ? 2 : 1;
        int largest = sequence / tokensPerRank;
        if (request.RingSize > largest)
        {
            string why = tokensPerRank == 2 ? "--balance dual-chunk gives every rank two chunks of at least one token" : "every rank needs at least one token";
            throw new CliUsageException(Invariant(
                $"--cp {request.RingSize} is too large for S = {sequence} ({query.Name}): {why}, so --cp can be at most {largest}"));
        }
    }

    private static (int Batch, int Sequence) BatchAndSequence(TensorInfo tensor, TensorLayout layout)
    {
        IReadOnlyList<int> shape = tensor.Shape;
        return layout == TensorLayout.Bshd
            ? (shape[BatchAxisBshd], shape[SequenceAxisBshd])
            : (shape[SequenceAxisBshd], shape[BatchAxisBshd]);
    }

    private static void RequireRank4(TensorInfo tensor, TensorLayout layout)
    {
        if (tensor.Shape.Count != 4)
        {
            // A [T, H, D] file is the packed layout's: say how to run it.
            string packedHint = tensor.Shape.Count == 3 ? Invariant($"; a 3-axis {AxesText(TensorLayout.Thd)} file holds packed documents: give --layout thd --seqlens L1,L2,...") : string.Empty;
            throw new CliUsageException(Invariant(
                $"{tensor.Name} has shape {tensor.ShapeText} ({tensor.Shape.Count} axes); expected 4 axes {AxesText(layout)} for --layout {LayoutName(layout)}{packedHint}"));
        }

        RequireNonEmpty(tensor);
    }

    private static string LayoutName(TensorLayout layout) => Commands.CliChoices.NameOf(Commands.CliChoices.Layouts, layout);
}
