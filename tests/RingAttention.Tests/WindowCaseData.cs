namespace RingAttention.Tests;

/// <summary>The matrix of windowed ring configurations: N x balance x window, at S = 8N (chunks of 4 for dual-chunk).</summary>
public static class WindowCaseData
{
    private static readonly int[] RingSizes = [1, 2, 3, 4, 8];

    /// <summary>Left sides for a causal window: none before, one, a few, at least a chunk, at least S (filled per N).</summary>
    private static readonly int[] CausalLefts = [0, 1, 3, 9, -2];

    /// <summary>(Left, Right) pairs without a mask; -1 is an unbounded side.</summary>
    private static readonly (int Left, int Right)[] FullWindows = [(0, 0), (1, 2), (3, -1), (-1, 2), (-1, -1), (9, 0), (0, 5)];

    /// <summary>N, mask, balance, window left, window right.</summary>
    public static TheoryData<int, AttentionMask, LoadBalancing, int, int> Cases()
    {
        var data = new TheoryData<int, AttentionMask, LoadBalancing, int, int>();
        foreach (int n in RingSizes)
        {
            foreach (LoadBalancing balance in Enum.GetValues<LoadBalancing>())
            {
                foreach (int left in CausalLefts)
                {
                    data.Add(n, AttentionMask.Causal, balance, left == -2 ? SequenceFor(n) : left, 0);
                }

                foreach ((int left, int right) in FullWindows)
                {
                    data.Add(n, AttentionMask.None, balance, left, right);
                }
            }
        }

        return data;
    }

    /// <summary>S = 8N: 8 rows per rank, dual-chunk chunks of 4.</summary>
    public static int SequenceFor(int ringSize) => 8 * ringSize;

    /// <summary>A small windowed problem.</summary>
    public static RingProblem Problem(int ringSize, AttentionMask mask, LoadBalancing balance, int left, int right) =>
        TestTensors.Problem(ringSize, mask, balance, sequence: SequenceFor(ringSize), queryHeads: 2, keyValueHeads: 1, headDim: 4)
        with
        {
            Window = new AttentionWindow(left, right),
        };
}
