using RingAttention.Strategies;

namespace RingAttention.Tests.Strategies;

public sealed class TransferVolumeTests
{
    // B = 1, S = 64, N = 4 -> L = 16; Hq = 8, Hkv = 2, D = 4; 1 byte per element: Qs = 512, Ks = 128.
    private static readonly RingProblem Gqa = StrategyTestProblems.Problem(4, 64, queryHeads: 8, keyValueHeads: 2, headDim: 4);

    [Fact]
    public void Ring_moves_kv_n_minus_1_times_forward_and_kv_plus_dkv_backward() =>
        Assert.Equal(new PassTraffic(3 * 256, 2 * 3 * 256), TransferVolume.Of(Gqa, ContextParallelStrategy.Ring, bytesPerElement: 1));

    [Fact]
    public void All_gather_moves_what_the_ring_moves_in_collectives() =>
        Assert.Equal(TransferVolume.Of(Gqa, ContextParallelStrategy.Ring, bytesPerElement: 1), TransferVolume.Of(Gqa, ContextParallelStrategy.AllGather, bytesPerElement: 1));

    [Fact]
    public void All_to_all_counts_replicated_kv_heads()
    {
        // Hkv = 2 < N = 4: each KV head twice; (N-1)/N (Qs + Os + 2 (Ks + Vs)) = 3/4 (1024 + 512) each way.
        double expected = 0.75 * ((2 * 512) + (2 * 2 * 128));
        Assert.Equal(new PassTraffic(expected, expected), TransferVolume.Of(Gqa, ContextParallelStrategy.AllToAll, bytesPerElement: 1));
    }

    [Fact]
    public void All_to_all_then_ring_is_the_sum_of_its_parts()
    {
        // Na = 2: inner a2a 1/2 (1024 + 256); ring of 2 over Na·L rows of Hkv/Na heads: Ks' = 128.
        double inner = 0.5 * ((2 * 512) + (2 * 128));
        var expected = new PassTraffic(inner + 256, inner + 512);
        Assert.Equal(expected, TransferVolume.Of(Gqa, ContextParallelStrategy.AllToAllThenRing, 2, bytesPerElement: 1));
    }

    [Fact]
    public void Visible_pairs_follow_mask_and_window()
    {
        Assert.Equal(64 * 64, AttentionWork.VisiblePairs(Gqa));
        Assert.Equal(64 * 65 / 2, AttentionWork.VisiblePairs(Gqa with { Mask = AttentionMask.Causal }));
        Assert.Equal(64 + 63 + 62, AttentionWork.VisiblePairs(Gqa with { Mask = AttentionMask.Causal, Window = AttentionWindow.Causal(2) }));
    }

    [Fact]
    public void The_nvlink_assumption_is_450_gigabytes_per_second_each_way() =>
        Assert.Equal(1.0, LinkModel.NvLink4H200.Seconds(450e9));
}
