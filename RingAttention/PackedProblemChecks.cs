using static System.FormattableString;

namespace RingAttention;

/// <summary>
/// The checks of <see cref="RingProblem.Validate"/> that concern packed documents, apart so that the problem stays
/// readable: the layout and the documents come together, a packed problem is one ragged batch (B = 1), the lengths
/// add up to the sequence, and every padded length suits the load balancing.
/// </summary>
// The parameter names are the problem's properties, as RingProblem.Validate reports them.
#pragma warning disable CA2208
internal static class PackedProblemChecks
{
    /// <summary>Throws naming the property unless the packing is consistent; true for a packed problem.</summary>
    public static bool Validate(RingProblem problem)
    {
        PackedDocuments? documents = problem.Documents;
        if (problem.Layout != TensorLayout.Thd)
        {
            if (documents is not null)
            {
                throw new ArgumentException(
                    Invariant($"Documents are given but Layout is {problem.Layout}: packed documents need Layout = Thd."), nameof(RingProblem.Documents));
            }

            return false;
        }

        if (documents is null)
        {
            throw new ArgumentException("Layout = Thd needs Documents (the packed documents' lengths).", nameof(RingProblem.Documents));
        }

        if (problem.BatchSize != 1)
        {
            throw new ArgumentException(
                Invariant($"BatchSize must be 1 with Layout = Thd (the documents are the ragged batch), got {problem.BatchSize}."), nameof(RingProblem.BatchSize));
        }

        if (documents.TotalLength != problem.SequenceLength)
        {
            throw new ArgumentException(
                Invariant($"The documents' lengths add up to {documents.TotalLength} but SequenceLength is {problem.SequenceLength}; they must be equal (T of [T, H, D])."),
                nameof(RingProblem.Documents));
        }

        int multiple = PackedReorder.PaddingMultiple(problem.Balance, problem.RingSize);
        for (int d = 0; d < documents.Count; d++)
        {
            if (documents.PaddedLengths[d] % multiple != 0)
            {
                throw new ArgumentException(
                    Invariant($"Documents.PaddedLengths[{d}] ({documents.PaddedLengths[d]}, length {documents.Lengths[d]}) must be a multiple of {multiple} for {problem.Balance} over {problem.RingSize} ranks: pad it with PackedDocuments.Padded."),
                    nameof(RingProblem.Documents));
            }
        }

        return true;
    }
}
#pragma warning restore CA2208
