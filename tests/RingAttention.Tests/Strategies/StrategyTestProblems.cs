namespace RingAttention.Tests.Strategies;

/// <summary>Small problems and the brute-force visibility rule the strategy plans are checked against.</summary>
internal static class StrategyTestProblems
{
    public static RingProblem Problem(
        int ranks,
        int sequence,
        LoadBalancing balance = LoadBalancing.None,
        AttentionMask mask = AttentionMask.None,
        AttentionWindow? window = null,
        int queryHeads = 4,
        int keyValueHeads = 2,
        int headDim = 8,
        int batch = 1) => new()
        {
            BatchSize = batch,
            SequenceLength = sequence,
            QueryHeads = queryHeads,
            KeyValueHeads = keyValueHeads,
            HeadDim = headDim,
            RingSize = ranks,
            Balance = balance,
            Mask = mask,
            Window = window,
        };

    /// <summary>Whether the query at original position q sees the key at k, straight from the definitions.</summary>
    public static bool Visible(RingProblem problem, int q, int k) =>
        (problem.Mask != AttentionMask.Causal || k <= q) && (problem.Window is not AttentionWindow w || w.Contains(q, k));
}
