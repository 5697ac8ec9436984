using RingAttention.Cpu;

namespace RingAttention.Tests.Packed;

/// <summary>The packed documents' validation, equality and reorder, apart from the attention itself.</summary>
public sealed class PackedDocumentsTests
{
    private static readonly RingProblem Valid = PackedCases.Problem(2, AttentionMask.Causal, LoadBalancing.DualChunk, [3, 5]);

    [Fact]
    public void Offsets_and_padding_follow_cu_seqlens()
    {
        PackedDocuments documents = PackedDocuments.Padded([1, 13, 2], LoadBalancing.DualChunk, 2);
        Assert.Equal([1, 13, 2], documents.Lengths);
        Assert.Equal([4, 16, 4], documents.PaddedLengths);
        Assert.Equal([0, 1, 14, 16], documents.Offsets);
        Assert.Equal([0, 4, 20, 24], documents.PaddedOffsets);
        Assert.Equal(16, documents.TotalLength);
        Assert.Equal(24, documents.PaddedTotalLength);
        Assert.Equal(documents, PackedDocuments.FromCumulative([0, 1, 14, 16], [0, 4, 20, 24]));
        Assert.Equal([3, 6, 3], PackedReorder.PaddedLengths([1, 6, 3], LoadBalancing.Striped, 3));
    }

    [Fact]
    public void Problems_with_equal_documents_are_equal()
    {
        RingProblem same = Valid with { Documents = new PackedDocuments([3, 5], [4, 8]) };
        Assert.Equal(Valid, same);
        Assert.Equal(Valid.GetHashCode(), same.GetHashCode());
        Assert.NotEqual(Valid, Valid with { Documents = new PackedDocuments([5, 3], [8, 4]) });
    }

    [Theory]
    [InlineData("lengths", "lengths[1] is 0: every document needs at least one token")]
    [InlineData("lengths", "At least one document is needed")]
    [InlineData("paddedLengths", "paddedLengths[0] (2) is below lengths[0] (3)")]
    [InlineData("paddedLengths", "paddedLengths has 1 entries but lengths has 2")]
    [InlineData("cumulativeLengths", "cumulativeLengths must strictly increase: cumulativeLengths[2] = 3 after 3 makes document 1 empty")]
    public void Bad_documents_name_the_parameter_and_the_values(string parameter, string message)
    {
        Action make = message switch
        {
            _ when message.StartsWith("lengths[1]", StringComparison.Ordinal) => () => _ = new PackedDocuments([3, 0, 2]),
            _ when message.StartsWith("At least", StringComparison.Ordinal) => () => _ = new PackedDocuments([]),
            _ when message.StartsWith("paddedLengths[0]", StringComparison.Ordinal) => () => _ = new PackedDocuments([3, 1], [2, 4]),
            _ when message.StartsWith("paddedLengths has", StringComparison.Ordinal) => () => _ = new PackedDocuments([3, 1], [4]),
            _ => () => PackedDocuments.FromCumulative([0, 3, 3, 5]),
        };
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(make);
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transformer_engines_four_arrays_give_the_same_documents()
    {
        int[] cu = [0, 1, 14, 16, 25];
        int[] padded = [0, 4, 20, 24, 36];

        PackedDocuments documents = PackedDocuments.FromCuSeqlens(cu, cu, padded, padded);

        Assert.Equal(PackedDocuments.FromCumulative(cu, padded), documents);
        Assert.Equal([1, 13, 2, 9], documents.Lengths);
        Assert.Equal([4, 16, 4, 12], documents.PaddedLengths);
        Assert.Equal(new PackedDocuments([1, 13, 2, 9]), PackedDocuments.FromCuSeqlens(cu, null, null, null));
    }

    [Theory]
    [InlineData("cuSeqlensKv", "cuSeqlensKv[2] = 15 but cuSeqlensQ[2] = 14: context parallelism over packed documents is self-attention", "kv")]
    [InlineData("cuSeqlensKv", "cuSeqlensKv has 4 entries but cuSeqlensQ has 5", "count")]
    [InlineData("cuSeqlensKvPadded", "cuSeqlensKvPadded[1] = 8 but cuSeqlensQPadded[1] = 4", "padded")]
    [InlineData("cuSeqlensKvPadded", "cuSeqlensKvPadded is given without cuSeqlensQPadded", "alone")]
    public void Cross_attention_lengths_are_refused_naming_the_index(string parameter, string message, string which)
    {
        int[] cu = [0, 1, 14, 16, 25];
        int[] padded = [0, 4, 20, 24, 36];
        Action call = which switch
        {
            "kv" => () => PackedDocuments.FromCuSeqlens(cu, [0, 1, 15, 16, 25], null, null),
            "count" => () => PackedDocuments.FromCuSeqlens(cu, [0, 1, 14, 16], null, null),
            "padded" => () => PackedDocuments.FromCuSeqlens(cu, cu, padded, [0, 8, 20, 24, 36]),
            _ => () => PackedDocuments.FromCuSeqlens(cu, cu, null, padded),
        };

        ArgumentException e = Assert.Throws<ArgumentException>(call);
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Documents", "Layout = Thd needs Documents", "missing")]
    [InlineData("Documents", "Documents are given but Layout is Bshd", "layout")]
    [InlineData("BatchSize", "BatchSize must be 1 with Layout = Thd", "batch")]
    [InlineData("Documents", "add up to 8 but SequenceLength is 9", "sum")]
    [InlineData("Documents", "Documents.PaddedLengths[0] (3, length 3) must be a multiple of 4 for DualChunk over 2 ranks", "unpadded")]
    public void Bad_packed_problems_name_the_property_and_the_values(string parameter, string message, string which)
    {
        RingProblem problem = which switch
        {
            "missing" => Valid with { Documents = null },
            "layout" => Valid with { Layout = TensorLayout.Bshd },
            "batch" => Valid with { BatchSize = 2 },
            "sum" => Valid with { SequenceLength = 9 },
            _ => Valid with { Documents = new PackedDocuments([3, 5]) },
        };
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => new CpuRingAttention(problem));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(LoadBalancing.DualChunk, 3)]
    [InlineData(LoadBalancing.Striped, 4)]
    [InlineData(LoadBalancing.None, 2)]
    public void Shard_then_restore_is_the_identity_and_places_every_document_balanced(LoadBalancing balance, int ringSize)
    {
        PackedDocuments documents = PackedDocuments.Padded([1, 13, 2, 9], balance, ringSize);
        var axis = new SequenceAxis(1, documents.TotalLength, 3);
        int[] full = [.. Enumerable.Range(1, (int)axis.ElementCount)];
        int[][] shards = PackedReorder.Shard<int>(full, axis, documents, balance, ringSize);
        Assert.Equal(full, PackedReorder.Restore(shards, axis, documents, balance));
        for (int r = 0; r < ringSize; r++)
        {
            int[] rows = PackedReorder.ShardRows(documents, balance, ringSize, r);
            for (int j = 0; j < rows.Length; j++)
            {
                // Padding reads as zero; every valid row is where the per-document balancing puts it.
                Assert.Equal(rows[j] < 0 ? 0 : full[rows[j] * 3], shards[r][j * 3]);
            }
        }

        // Dual-chunk by hand for the 13-token document over 3 ranks (padded to 18, chunks of 3): rank 0 holds chunks 0 and 5.
        if (balance == LoadBalancing.DualChunk)
        {
            int[] rank0 = PackedReorder.ShardRows(documents, balance, ringSize, 0);
            Assert.Equal([1, 2, 3, -1, -1, -1], rank0[2..8]);
        }
    }
}
