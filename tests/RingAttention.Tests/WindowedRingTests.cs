using RingAttention.Cpu;

namespace RingAttention.Tests;

/// <summary>The CPU ring with sliding windows against the float64 reference, forward and backward.</summary>
public sealed class WindowedRingTests
{
    [Theory]
    [MemberData(nameof(WindowCaseData.Cases), MemberType = typeof(WindowCaseData))]
    public void Windowed_forward_and_backward_match_float64_reference(int ringSize, AttentionMask mask, LoadBalancing balance, int left, int right)
    {
        RingProblem problem = WindowCaseData.Problem(ringSize, mask, balance, left, right);
        CpuRingCheck.MatchesReference(problem);
    }

    [Theory]
    [InlineData(4, AttentionMask.Causal, LoadBalancing.DualChunk, 1, 0)]
    [InlineData(3, AttentionMask.Causal, LoadBalancing.Striped, 2, 0)]
    [InlineData(2, AttentionMask.None, LoadBalancing.None, 1, 1)]
    public void A_narrow_window_changes_the_result(int ringSize, AttentionMask mask, LoadBalancing balance, int left, int right)
    {
        RingProblem windowed = WindowCaseData.Problem(ringSize, mask, balance, left, right);
        RingProblem plain = windowed with { Window = null };
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, windowed.GlobalQueryShape.ElementCount);
        float[] k = TestTensors.Uniform(random, windowed.GlobalKeyValueShape.ElementCount);
        float[] v = TestTensors.Uniform(random, windowed.GlobalKeyValueShape.ElementCount);

        using var windowedRing = new CpuRingAttention(windowed);
        using var plainRing = new CpuRingAttention(plain);
        float[] a = windowedRing.ForwardFullSequence(q, k, v).Output;
        (double[] unwindowed, _) = AttentionReference.Forward(plain, q, k, v);
        Assert.True(TestTensors.RelativeError(a, unwindowed) > 1e-2, "the window should change the output");
        float[] b = plainRing.ForwardFullSequence(q, k, v).Output;
        Assert.True(TestTensors.RelativeError(b, unwindowed) < 1e-5);
    }
}
