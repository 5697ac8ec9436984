namespace RingAttention.Tests;

public sealed class ErrorMeasureTests
{
    [Fact]
    public void Relative_error_is_the_ratio_of_norms()
    {
        float[] actual = [3f, 4.5f];
        double[] reference = [3.0, 4.0];
        Assert.Equal(0.5 / 5.0, ErrorMeasure.RelativeError(actual, reference), 1e-12);
    }

    [Fact]
    public void A_zero_reference_gives_the_absolute_norm()
    {
        Assert.Equal(5.0, ErrorMeasure.RelativeError([3f, 4f], [0.0, 0.0]), 1e-12);
        Assert.Equal(0.0, ErrorMeasure.RelativeError([0f], [0.0]));
    }

    [Fact]
    public void Nan_propagates_and_lengths_must_agree()
    {
        Assert.True(double.IsNaN(ErrorMeasure.RelativeError([float.NaN, 1f], [1.0, 1.0])));
        ArgumentException e = Assert.Throws<ArgumentException>(() => ErrorMeasure.RelativeError([1f], [1.0, 2.0]));
        Assert.Contains("1 elements", e.Message, StringComparison.Ordinal);
    }
}
