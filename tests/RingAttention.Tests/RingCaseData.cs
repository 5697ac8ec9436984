namespace RingAttention.Tests;

/// <summary>The matrix of ring configurations the forward and backward tests sweep.</summary>
public static class RingCaseData
{
    private static readonly int[] RingSizes = [1, 2, 3, 4, 8];

    /// <summary>N x mask x balance, each at a sequence length the balance allows.</summary>
    public static TheoryData<int, AttentionMask, LoadBalancing> MasksAndBalances()
    {
        var data = new TheoryData<int, AttentionMask, LoadBalancing>();
        foreach (int n in RingSizes)
        {
            foreach (AttentionMask mask in Enum.GetValues<AttentionMask>())
            {
                foreach (LoadBalancing balance in Enum.GetValues<LoadBalancing>())
                {
                    data.Add(n, mask, balance);
                }
            }
        }

        return data;
    }

    /// <summary>A sequence length divisible by 2N, at least 2 rows per chunk.</summary>
    public static int SequenceFor(int ringSize) => 4 * ringSize;
}
