using RingAttention.Cli.Numerics;

namespace RingAttention.Cli.Tests;

public sealed class RelativeErrorTests
{
    [Fact]
    public void Is_the_norm_of_the_difference_over_the_norm_of_the_reference()
    {
        double error = RelativeError.Compute([1.1f, 2f, -2f], [1.0, 2.0, -2.0]);

        Assert.Equal(0.1 / 3.0, error, 1e-7);
    }

    [Fact]
    public void Falls_back_to_the_absolute_norm_for_a_zero_reference()
    {
        Assert.Equal(5.0, RelativeError.Compute([3f, 4f], [0.0, 0.0]), 1e-12);
        Assert.Equal(0.0, RelativeError.Compute([0f], [0.0]));
    }

    [Fact]
    public void Rejects_different_lengths()
    {
        Assert.Throws<ArgumentException>(() => RelativeError.Compute([1f], [1.0, 2.0]));
    }
}
