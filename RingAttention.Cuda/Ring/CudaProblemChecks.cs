using static System.FormattableString;

namespace RingAttention.Cuda.Ring;

/// <summary>The GPU path's own limits, checked after <see cref="RingProblem.Validate"/> and before any native call.</summary>
internal static class CudaProblemChecks
{
    // The parameter names are the problem's properties, as RingProblem.Validate reports them.
#pragma warning disable CA2208
    public static void Validate(RingProblem problem, DeviceElementType elementType)
    {
        ArgumentNullException.ThrowIfNull(problem);
        problem.Validate();
        if (!DeviceElementTypes.IsAttentionType(elementType))
        {
            throw new ArgumentOutOfRangeException(nameof(elementType), elementType, "The attention runs in BFloat16 or Float16.");
        }

        if (problem.HeadDim % 8 != 0 || problem.HeadDim > 256)
        {
            throw new ArgumentException(
                Invariant($"HeadDim ({problem.HeadDim}) must be a multiple of 8 and at most 256 for cuDNN's fused attention."), nameof(RingProblem.HeadDim));
        }

        if (problem.BatchSize == 1 && problem.QueryHeads == 1)
        {
            // With B = Hq = 1 a row sub-view of the LSE counts as packed and must then be 16-byte aligned.
            for (int rank = 0; rank < problem.RingSize; rank++)
            {
                var table = new StepTaskTable(problem, rank);
                for (int source = 0; source < problem.RingSize; source++)
                {
                    foreach (BlockTask task in table.For(source))
                    {
                        RowRange query = task.Query;
                        if (query.Start % 4 != 0)
                        {
                            throw new ArgumentException(
                                Invariant($"With BatchSize = QueryHeads = 1 the backward needs every query row range to start at a multiple of 4; {problem.Balance} with window {problem.Window} gives {query}."),
                                nameof(RingProblem.QueryHeads));
                        }
                    }
                }
            }
        }
    }

#pragma warning restore CA2208
}
