namespace RingAttention.Tests;

public sealed class LseMergeTests
{
    [Fact]
    public void Merging_into_an_empty_accumulator_takes_the_block()
    {
        (float lse, float oldWeight, float newWeight) = LseMerge.Combine(float.NegativeInfinity, 2.5f);
        Assert.Equal(2.5f, lse);
        Assert.Equal(0f, oldWeight);
        Assert.Equal(1f, newWeight);
    }

    [Theory]
    [InlineData(float.NegativeInfinity)]
    [InlineData(float.PositiveInfinity)]
    public void An_empty_block_row_leaves_the_accumulator_alone(float emptyBlock)
    {
        (float lse, float oldWeight, float newWeight) = LseMerge.Combine(1.25f, emptyBlock);
        Assert.Equal(1.25f, lse);
        Assert.Equal(1f, oldWeight);
        Assert.Equal(0f, newWeight);
    }

    [Fact]
    public void Two_empty_rows_stay_empty_and_never_become_nan()
    {
        (float lse, float oldWeight, float newWeight) = LseMerge.Combine(float.NegativeInfinity, float.NegativeInfinity);
        Assert.True(float.IsNegativeInfinity(lse));
        Assert.Equal(0f, newWeight);
        Assert.False(float.IsNaN(oldWeight));
    }

    [Fact]
    public void Finite_rows_merge_to_logaddexp_with_weights_summing_to_one()
    {
        var random = new Random(TestTensors.FreshSeed());
        for (int i = 0; i < 1000; i++)
        {
            float a = (random.NextSingle() - 0.5f) * 200f;
            float b = (random.NextSingle() - 0.5f) * 200f;
            (float lse, float oldWeight, float newWeight) = LseMerge.Combine(a, b);
            double expected = Math.Max(a, b) + Math.Log(Math.Exp(a - Math.Max(a, b)) + Math.Exp(b - Math.Max(a, b)));
            Assert.Equal(expected, lse, 1e-4);
            Assert.Equal(1.0, oldWeight + newWeight, 1e-5);
            Assert.Equal(Math.Exp(a - expected), oldWeight, 1e-5);
        }
    }

    [Fact]
    public void Huge_logits_do_not_overflow()
    {
        (float lse, float oldWeight, float newWeight) = LseMerge.Combine(1000f, 1000f);
        Assert.Equal(1000f + MathF.Log(2f), lse, 1e-3f);
        Assert.Equal(0.5f, oldWeight, 1e-6f);
        Assert.Equal(0.5f, newWeight, 1e-6f);
    }
}
