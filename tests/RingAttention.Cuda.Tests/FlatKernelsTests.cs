using RingAttention.Cuda.Device;

namespace RingAttention.Cuda.Tests;

/// <summary>Flat element-wise calls are cut into rows the shim's kernels can spread over the GPU.</summary>
public sealed class FlatKernelsTests
{
    [Theory]
    [InlineData(134_217_728L, 1024L)] // a virtual rank's fp32 K|V block at S = 64K: 131072 rows of 1024
    [InlineData(3L * 1024, 1024L)]
    [InlineData(24L, 8L)]
    [InlineData(7L, 1L)]
    public void A_flat_range_is_rows_of_the_widest_power_of_two_up_to_1024_that_divides_it(long count, long width)
    {
        Assert.Equal(width, FlatKernels.RowWidth(count));
        Assert.Equal(0, count % FlatKernels.RowWidth(count));
    }
}
