using System.Collections.ObjectModel;
using static System.FormattableString;

namespace RingAttention;

/// <summary>
/// The documents of a packed (<see cref="TensorLayout.Thd"/>) problem: each one's valid length and its padded length,
/// with the cumulative offsets Transformer Engine calls cu_seqlens and cu_seqlens_padded. Every document is balanced
/// over the ring on its own, so its padded length must be a multiple of 2N (dual-chunk) or N (striped, none); the
/// padding rows exist only in the rank-local shards and never in the natural packed tensors. Q and K/V share the
/// lengths: context parallelism over packed documents is self-attention, as in Transformer Engine
/// (<see cref="FromCuSeqlens"/> takes TE's four arrays and checks it). Value-equal, so that
/// <see cref="RingProblem"/> keeps its record equality.
/// </summary>
public sealed class PackedDocuments : IEquatable<PackedDocuments>
{
    private readonly int[] _lengths;
    private readonly int[] _padded;
    private readonly int[] _offsets;
    private readonly int[] _paddedOffsets;

    /// <summary>
    /// Documents of <paramref name="lengths"/> tokens each (in packing order), padded to
    /// <paramref name="paddedLengths"/> (null: not padded, each padded length equals its length). Throws an
    /// <see cref="ArgumentException"/> naming the parameter and the document when a length is not positive (empty
    /// documents are not allowed: drop them), when a padded length is below its length, or when the totals overflow.
    /// </summary>
    public PackedDocuments(IEnumerable<int> lengths, IEnumerable<int>? paddedLengths = null)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        _lengths = [.. lengths];
        _padded = paddedLengths is null ? [.. _lengths] : [.. paddedLengths];
        if (_lengths.Length == 0)
        {
            throw new ArgumentException("At least one document is needed; lengths is empty.", nameof(lengths));
        }

        if (_padded.Length != _lengths.Length)
        {
            throw new ArgumentException(
                Invariant($"paddedLengths has {_padded.Length} entries but lengths has {_lengths.Length}: one padded length per document."), nameof(paddedLengths));
        }

        for (int d = 0; d < _lengths.Length; d++)
        {
            if (_lengths[d] < 1)
            {
                throw new ArgumentException(
                    Invariant($"lengths[{d}] is {_lengths[d]}: every document needs at least one token (drop empty documents before packing)."), nameof(lengths));
            }

            if (_padded[d] < _lengths[d])
            {
                throw new ArgumentException(
                    Invariant($"paddedLengths[{d}] ({_padded[d]}) is below lengths[{d}] ({_lengths[d]})."), nameof(paddedLengths));
            }
        }

        _offsets = Cumulative(_lengths, nameof(lengths));
        _paddedOffsets = Cumulative(_padded, nameof(paddedLengths));
    }

    /// <summary>Number of documents.</summary>
    public int Count => _lengths.Length;

    /// <summary>Valid tokens of each document, in packing order.</summary>
    public ReadOnlyCollection<int> Lengths => Array.AsReadOnly(_lengths);

    /// <summary>Each document's length with its padding (what the shards hold).</summary>
    public ReadOnlyCollection<int> PaddedLengths => Array.AsReadOnly(_padded);

    /// <summary>cu_seqlens: Count + 1 entries, document d spans packed rows [Offsets[d], Offsets[d + 1]).</summary>
    public ReadOnlyCollection<int> Offsets => Array.AsReadOnly(_offsets);

    /// <summary>cu_seqlens_padded: Count + 1 entries, the offsets of the padded documents.</summary>
    public ReadOnlyCollection<int> PaddedOffsets => Array.AsReadOnly(_paddedOffsets);

    /// <summary>T, the tokens of the natural packed tensors (the problem's SequenceLength).</summary>
    public int TotalLength => _offsets[^1];

    /// <summary>The packed length with every document's padding (N times a shard's length).</summary>
    public int PaddedTotalLength => _paddedOffsets[^1];

    /// <summary>
    /// Documents from cumulative lengths as Transformer Engine takes them (cu_seqlens, and cu_seqlens_padded or null):
    /// Count + 1 entries starting at 0. Throws naming the parameter unless they start at 0 and strictly increase.
    /// </summary>
    public static PackedDocuments FromCumulative(IReadOnlyList<int> cumulativeLengths, IReadOnlyList<int>? cumulativePaddedLengths = null) =>
        new(Differences(cumulativeLengths, nameof(cumulativeLengths)),
            cumulativePaddedLengths is null ? null : Differences(cumulativePaddedLengths, nameof(cumulativePaddedLengths)));

    /// <summary>
    /// Documents from the four arrays Transformer Engine's attention takes (cu_seqlens_q, cu_seqlens_kv and their padded
    /// forms, null where not given), for callers that hold them apart. Context parallelism over packed documents is
    /// self-attention, as in Transformer Engine: each document's queries are its keys, so the query and key/value
    /// arrays must be equal (or the key/value ones null). Throws an <see cref="ArgumentException"/> naming the parameter,
    /// the first differing index and both values otherwise.
    /// </summary>
    public static PackedDocuments FromCuSeqlens(
        IReadOnlyList<int> cuSeqlensQ, IReadOnlyList<int>? cuSeqlensKv, IReadOnlyList<int>? cuSeqlensQPadded, IReadOnlyList<int>? cuSeqlensKvPadded)
    {
        ArgumentNullException.ThrowIfNull(cuSeqlensQ);
        RequireSame(cuSeqlensQ, cuSeqlensKv, nameof(cuSeqlensQ), nameof(cuSeqlensKv));
        if (cuSeqlensQPadded is not null)
        {
            RequireSame(cuSeqlensQPadded, cuSeqlensKvPadded, nameof(cuSeqlensQPadded), nameof(cuSeqlensKvPadded));
        }
        else if (cuSeqlensKvPadded is not null)
        {
            throw new ArgumentException($"{nameof(cuSeqlensKvPadded)} is given without {nameof(cuSeqlensQPadded)}: give both (they must be equal) or neither.", nameof(cuSeqlensKvPadded));
        }

        return new(Differences(cuSeqlensQ, nameof(cuSeqlensQ)), cuSeqlensQPadded is null ? null : Differences(cuSeqlensQPadded, nameof(cuSeqlensQPadded)));
    }

    /// <summary>
    /// Documents of <paramref name="lengths"/> tokens, each padded to the least multiple the load balancing needs
    /// (<see cref="PackedReorder.PaddedLengths"/>).
    /// </summary>
    public static PackedDocuments Padded(IReadOnlyList<int> lengths, LoadBalancing balance, int ringSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        return new(lengths, PackedReorder.PaddedLengths(lengths, balance, ringSize));
    }

    /// <inheritdoc />
    public bool Equals(PackedDocuments? other) =>
        other is not null && _lengths.AsSpan().SequenceEqual(other._lengths) && _padded.AsSpan().SequenceEqual(other._padded);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PackedDocuments);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        for (int d = 0; d < _lengths.Length; d++)
        {
            hash.Add(_lengths[d]);
            hash.Add(_padded[d]);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() =>
        Invariant($"PackedDocuments({Count} documents, lengths [{string.Join(", ", _lengths)}], padded [{string.Join(", ", _padded)}])");

    private static int[] Cumulative(int[] lengths, string name)
    {
        var offsets = new int[lengths.Length + 1];
        long total = 0;
        for (int d = 0; d < lengths.Length; d++)
        {
            total += lengths[d];
            if (total > int.MaxValue)
            {
                throw new ArgumentException(Invariant($"The {name} add up past {int.MaxValue} tokens."), name);
            }

            offsets[d + 1] = (int)total;
        }

        return offsets;
    }

    /// <summary>Throws naming <paramref name="keyValueName"/> unless <paramref name="keyValue"/> is null or equals <paramref name="query"/>.</summary>
    private static void RequireSame(IReadOnlyList<int> query, IReadOnlyList<int>? keyValue, string queryName, string keyValueName)
    {
        if (keyValue is null)
        {
            return;
        }

        if (keyValue.Count != query.Count)
        {
            throw new ArgumentException(
                Invariant($"{keyValueName} has {keyValue.Count} entries but {queryName} has {query.Count}: context parallelism over packed documents is self-attention, so they must be equal."),
                keyValueName);
        }

        for (int i = 0; i < query.Count; i++)
        {
            if (keyValue[i] != query[i])
            {
                throw new ArgumentException(
                    Invariant($"{keyValueName}[{i}] = {keyValue[i]} but {queryName}[{i}] = {query[i]}: context parallelism over packed documents is self-attention (each document's queries are its keys), so they must be equal."),
                    keyValueName);
            }
        }
    }

    private static int[] Differences(IReadOnlyList<int> cumulative, string name)
    {
        ArgumentNullException.ThrowIfNull(cumulative, name);
        if (cumulative.Count < 2 || cumulative[0] != 0)
        {
            throw new ArgumentException(Invariant($"{name} needs at least two entries starting at 0 (one more than the documents)."), name);
        }

        var lengths = new int[cumulative.Count - 1];
        for (int d = 0; d < lengths.Length; d++)
        {
            lengths[d] = cumulative[d + 1] - cumulative[d];
            if (lengths[d] < 1)
            {
                throw new ArgumentException(
                    Invariant($"{name} must strictly increase: {name}[{d + 1}] = {cumulative[d + 1]} after {cumulative[d]} makes document {d} empty."), name);
            }
        }

        return lengths;
    }
}
