using RingAttention.Backends;
using RingAttention.Cpu;

namespace RingAttention.Tests.Backends;

public sealed class CpuRegionOpsTests
{
    private readonly CpuRegionOps _ops = new();

    [Theory]
    [InlineData(TensorLayout.Bshd, TensorLayout.Sbhd)]
    [InlineData(TensorLayout.Sbhd, TensorLayout.Bshd)]
    [InlineData(TensorLayout.Bshd, TensorLayout.Bshd)]
    public void Copy_moves_strided_rows_and_a_head_range_between_frames_of_other_lengths(TensorLayout sourceLayout, TensorLayout destinationLayout)
    {
        // Rows 1, 4, 7, 10 and heads 1..2 of a 12-row, 4-head tensor go to rows 2..5, heads 0..1 of a 6-row, 3-head one.
        var source = new TensorShape(2, 12, 4, 3, sourceLayout);
        var destination = new TensorShape(2, 6, 3, 3, destinationLayout);
        float[] src = TestTensors.Uniform(new Random(TestTensors.FreshSeed()), source.ElementCount);
        float[] dst = new float[destination.ElementCount];
        Array.Fill(dst, 42f);

        _ops.Copy(src, new TensorRegion(Frame(source), 1, 4, 3, 1, 2), dst, new TensorRegion(Frame(destination), 2, 4, 1, 0, 2));

        int written = 0;
        for (int b = 0; b < 2; b++)
        {
            for (int s = 0; s < 6; s++)
            {
                for (int h = 0; h < 3; h++)
                {
                    bool inside = s is >= 2 and < 6 && h < 2;
                    for (int d = 0; d < 3; d++)
                    {
                        float expected = inside ? src[source.RowOffset(b, 1 + ((s - 2) * 3), h + 1) + d] : 42f;
                        Assert.Equal(expected, dst[destination.RowOffset(b, s, h) + d]);
                        written += inside ? 1 : 0;
                    }
                }
            }
        }

        Assert.Equal(2 * 4 * 2 * 3, written);
    }

    [Fact]
    public void Lse_frames_are_batch_head_sequence()
    {
        // [B=2, H=3, S=5]: element (b, h, s) at (b·3 + h)·5 + s, written out here instead of read from the frame.
        var frame = new TensorFrame(FrameLayout.Bhs, 2, 5, 3, 1);
        float[] lse = new float[frame.ElementCount];
        float[] sevens = Enumerable.Repeat(7f, 4).ToArray();
        _ops.Copy(sevens, new TensorRegion(new TensorFrame(FrameLayout.Bhs, 2, 2, 1, 1), 0, 2, 1, 0, 1), lse, new TensorRegion(frame, 1, 2, 2, 2, 1));

        for (int b = 0; b < 2; b++)
        {
            for (int h = 0; h < 3; h++)
            {
                for (int s = 0; s < 5; s++)
                {
                    bool inside = h == 2 && (s == 1 || s == 3);
                    Assert.Equal(inside ? 7f : 0f, lse[(((b * 3) + h) * 5) + s]);
                }
            }
        }
    }

    [Fact]
    public void Accumulate_adds_into_the_region_only()
    {
        var shape = new TensorShape(1, 4, 2, 2, TensorLayout.Bshd);
        float[] acc = Enumerable.Repeat(1f, 16).ToArray();
        float[] src = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        TensorRegion rows = TensorRegion.Rows(Frame(shape), 2, 2);

        _ops.Accumulate(acc, rows, src, TensorRegion.Rows(Frame(shape), 0, 2));

        float[] expected = [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8];
        Assert.Equal(expected, acc);
    }

    [Fact]
    public void A_region_outside_its_frame_or_of_another_size_is_refused_before_any_write()
    {
        var shape = new TensorShape(1, 4, 2, 2, TensorLayout.Bshd);
        float[] dst = new float[16];
        float[] src = Enumerable.Repeat(3f, 16).ToArray();

        var outside = Assert.Throws<ArgumentOutOfRangeException>(() =>
            _ops.Copy(src, new TensorRegion(Frame(shape), 1, 2, 3, 0, 2), dst, TensorRegion.Rows(Frame(shape), 0, 2)));
        Assert.Contains("from", outside.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() =>
            _ops.Copy(src, TensorRegion.Rows(Frame(shape), 0, 3), dst, TensorRegion.Rows(Frame(shape), 0, 2)));
        Assert.All(dst, x => Assert.Equal(0f, x));
    }

    private static TensorFrame Frame(TensorShape shape) => new(
        shape.Layout == TensorLayout.Bshd ? FrameLayout.Bshd : FrameLayout.Sbhd, shape.Batch, shape.Sequence, shape.Heads, shape.HeadDim);
}
