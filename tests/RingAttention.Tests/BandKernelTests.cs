using RingAttention.Backends;
using RingAttention.Cpu;

namespace RingAttention.Tests;

/// <summary>The CPU kernel under a band that leaves rows without a key: O = 0, LSE = -inf, zero gradients, no NaN.</summary>
public sealed class BandKernelTests
{
    [Fact]
    public void Rows_that_see_no_key_get_zero_output_minus_infinite_lse_and_zero_gradients()
    {
        // Q rows [0, 4) against keys [0, 2) under band (0, 0): rows 0 and 1 see their diagonal key, rows 2 and 3 nothing.
        RingProblem problem = TestTensors.Problem(1, AttentionMask.None, LoadBalancing.None, sequence: 4, queryHeads: 2, keyValueHeads: 1, headDim: 4);
        var geometry = new CpuTensorGeometry(problem);
        var kernel = new CpuBlockAttention(geometry);
        var random = new Random(TestTensors.FreshSeed());
        Memory<float> q = TestTensors.Uniform(random, problem.LocalQueryElements);
        var kv = new KeyValuePlanes<Memory<float>>(
            TestTensors.Uniform(random, problem.LocalKeyValueElements), TestTensors.Uniform(random, problem.LocalKeyValueElements));
        var o = new float[problem.LocalQueryElements];
        var lse = new float[problem.LocalLseElements];
        var task = new BlockTask(0, RowRange.All(4), new RowRange(0, 2), new BlockBand(0, 0));

        kernel.Forward(task, new(q, kv, o, lse));

        var dq = new float[problem.LocalQueryElements];
        var dk = new float[problem.LocalKeyValueElements];
        var dv = new float[problem.LocalKeyValueElements];
        kernel.Backward(task, new(q, kv, o, TestTensors.Uniform(random, problem.LocalQueryElements), lse, dq, new KeyValuePlanes<Memory<float>>(dk, dv)));

        for (int h = 0; h < problem.QueryHeads; h++)
        {
            for (int row = 0; row < 4; row++)
            {
                float rowLse = lse[geometry.LseOffset(0, h, row)];
                Span<float> oRow = o.AsSpan(geometry.Query.RowOffset(0, row, h), problem.HeadDim);
                Span<float> dqRow = dq.AsSpan(geometry.Query.RowOffset(0, row, h), problem.HeadDim);
                if (row < 2)
                {
                    Assert.True(float.IsFinite(rowLse), $"row {row} sees its key");
                    Assert.Contains(oRow.ToArray(), x => x != 0f);
                }
                else
                {
                    Assert.Equal(float.NegativeInfinity, rowLse);
                    Assert.All(oRow.ToArray(), x => Assert.Equal(0f, x));
                    Assert.All(dqRow.ToArray(), x => Assert.Equal(0f, x));
                }
            }
        }

        Assert.All(dq.Concat(dk).Concat(dv), x => Assert.False(float.IsNaN(x)));
    }
}
