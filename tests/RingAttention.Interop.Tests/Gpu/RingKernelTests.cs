using RingAttention.Interop.Tests.Infrastructure;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop.Tests.Gpu;

/// <summary>The ring's CUDA kernels (LSE merge, accumulate, cast) against values computed here.</summary>
[Collection(GpuCollectionDefinition.Name)]
[Trait("Category", "Gpu")]
public sealed unsafe class RingKernelTests : GpuTestBase
{
    private const int Heads = 2, Rows = 6, PartRows = 4, Dim = 8;

    [Fact]
    public void Lse_merge_combines_partials_like_the_log_sum_exp_formula()
    {
        Requires.Gpu();
        var random = new Random(7);
        ringattn_tensor_desc acc = Tensor(1, Heads, Rows, Dim, RINGATTN_DTYPE_FP32);
        ringattn_tensor_desc part = Tensor(1, Heads, PartRows, Dim, RINGATTN_DTYPE_FP16);
        ringattn_tensor_desc output = Tensor(1, Heads, Rows, Dim, RINGATTN_DTYPE_FP16);

        Half[] o1 = RandomHalves(random, Heads * PartRows * Dim), o2 = RandomHalves(random, Heads * PartRows * Dim);
        float[] l1 = RandomLse(random, Heads * PartRows), l2 = RandomLse(random, Heads * PartRows);
        l1[1] = float.NegativeInfinity; // head 0, row 1 of part 1 saw no key: it must not change the accumulator

        using DeviceBuffer oAcc = DeviceBuffer.Allocate<float>(Heads * Rows * Dim), lseAcc = DeviceBuffer.Allocate<float>(Heads * Rows);
        using DeviceBuffer dO1 = DeviceBuffer.FromHost<Half>(o1, Stream), dO2 = DeviceBuffer.FromHost<Half>(o2, Stream);
        using DeviceBuffer dL1 = DeviceBuffer.FromHost<float>(l1, Stream), dL2 = DeviceBuffer.FromHost<float>(l2, Stream);
        using DeviceBuffer final = DeviceBuffer.Allocate<Half>(Heads * Rows * Dim);

        ShimStatus.Check(NativeMethods.ringattn_merge_init(&acc, (float*)oAcc.Pointer, (float*)lseAcc.Pointer, Stream));
        Assert.All(lseAcc.ToHost<float>(Heads * Rows, Stream), x => Assert.Equal(float.NegativeInfinity, x));
        Assert.All(oAcc.ToHost<float>(Heads * Rows * Dim, Stream), x => Assert.Equal(0f, x));

        ShimStatus.Check(NativeMethods.ringattn_lse_merge(&part, dO1.Pointer, (float*)dL1.Pointer, &acc, (float*)oAcc.Pointer, (float*)lseAcc.Pointer, 0, Stream));
        ShimStatus.Check(NativeMethods.ringattn_lse_merge(&part, dO2.Pointer, (float*)dL2.Pointer, &acc, (float*)oAcc.Pointer, (float*)lseAcc.Pointer, 2, Stream));
        ShimStatus.Check(NativeMethods.ringattn_merge_finalize(&acc, (float*)oAcc.Pointer, (float*)lseAcc.Pointer, &output, final.Pointer, Stream));
        Synchronize();

        // Expected: fold both partials into an empty accumulator in float64.
        var expectedLse = Enumerable.Repeat(double.NegativeInfinity, Heads * Rows).ToArray();
        var expectedO = new double[Heads * Rows * Dim];
        void Fold(Half[] o, float[] lse, int rowBegin)
        {
            for (int h = 0; h < Heads; h++)
            {
                for (int r = 0; r < PartRows; r++)
                {
                    double lb = lse[h * PartRows + r];
                    int row = h * Rows + rowBegin + r;
                    if (!double.IsFinite(lb))
                    {
                        continue;
                    }

                    double la = expectedLse[row];
                    double merged = double.IsFinite(la) ? Math.Max(la, lb) + Math.Log(1 + Math.Exp(Math.Min(la, lb) - Math.Max(la, lb))) : lb;
                    for (int d = 0; d < Dim; d++)
                    {
                        double ob = (double)o[(h * PartRows + r) * Dim + d];
                        expectedO[row * Dim + d] = double.IsFinite(la)
                            ? Math.Exp(la - merged) * expectedO[row * Dim + d] + Math.Exp(lb - merged) * ob
                            : ob;
                    }

                    expectedLse[row] = merged;
                }
            }
        }

        Fold(o1, l1, 0);
        Fold(o2, l2, 2);
        float[] lseResult = lseAcc.ToHost<float>(Heads * Rows, Stream);
        float[] oResult = oAcc.ToHost<float>(Heads * Rows * Dim, Stream);
        Half[] finalResult = final.ToHost<Half>(Heads * Rows * Dim, Stream);
        for (int i = 0; i < expectedLse.Length; i++)
        {
            if (double.IsNegativeInfinity(expectedLse[i]))
            {
                Assert.Equal(float.NegativeInfinity, lseResult[i]);
            }
            else
            {
                Assert.Equal(expectedLse[i], lseResult[i], 1e-5);
            }
        }

        for (int i = 0; i < expectedO.Length; i++)
        {
            Assert.Equal(expectedO[i], oResult[i], 1e-5);
            Assert.Equal(expectedO[i], (double)finalResult[i], 2e-3);
        }

        // Head 0 row 1 only had the -inf partial: still empty, so finalize writes zeros there.
        Assert.Equal(float.NegativeInfinity, lseResult[1]);
        Assert.All(finalResult.Skip(Dim).Take(Dim), x => Assert.Equal((Half)0, x));
    }

    [Fact]
    public void Cast_and_accumulate_follow_the_element_types()
    {
        Requires.Gpu();
        const int Count = Heads * Rows * Dim;
        var random = new Random(11);
        float[] values = Enumerable.Range(0, Count).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        float[] start = Enumerable.Range(0, Count).Select(i => i * 0.25f).ToArray();
        ringattn_tensor_desc fp32 = Tensor(1, Heads, Rows, Dim, RINGATTN_DTYPE_FP32);
        ringattn_tensor_desc fp16 = Tensor(1, Heads, Rows, Dim, RINGATTN_DTYPE_FP16);
        ringattn_tensor_desc bf16 = Tensor(1, Heads, Rows, Dim, RINGATTN_DTYPE_BF16);

        using DeviceBuffer source = DeviceBuffer.FromHost<float>(values, Stream), accumulator = DeviceBuffer.FromHost<float>(start, Stream);
        using DeviceBuffer halves = DeviceBuffer.Allocate<Half>(Count), brains = DeviceBuffer.Allocate<ushort>(Count), back = DeviceBuffer.Allocate<float>(Count);

        ShimStatus.Check(NativeMethods.ringattn_cast(&fp32, source.Pointer, &fp16, halves.Pointer, Stream));
        ShimStatus.Check(NativeMethods.ringattn_cast(&fp16, halves.Pointer, &bf16, brains.Pointer, Stream));
        ShimStatus.Check(NativeMethods.ringattn_cast(&bf16, brains.Pointer, &fp32, back.Pointer, Stream));
        ShimStatus.Check(NativeMethods.ringattn_accumulate(&fp32, (float*)accumulator.Pointer, &fp16, halves.Pointer, Stream));
        Half[] halfResult = halves.ToHost<Half>(Count, Stream);
        float[] roundTrip = back.ToHost<float>(Count, Stream);
        float[] sums = accumulator.ToHost<float>(Count, Stream);

        for (int i = 0; i < Count; i++)
        {
            Assert.Equal((Half)values[i], halfResult[i]); // round to nearest even, like the CPU
            Assert.Equal((double)halfResult[i], roundTrip[i], Math.Abs((double)halfResult[i]) / 128); // bf16 keeps 8 bits of mantissa
            Assert.Equal(start[i] + (float)halfResult[i], sums[i], 1e-6);
        }

        ringattn_tensor_desc mismatched = Tensor(1, Heads, Rows + 1, Dim, RINGATTN_DTYPE_FP16);
        var error = Expect.Failure(NativeStatus.InvalidArgument,
            NativeMethods.ringattn_accumulate(&fp32, (float*)accumulator.Pointer, &mismatched, halves.Pointer, Stream), nameof(NativeMethods.ringattn_accumulate));
        Assert.Contains("differ from", error.Message, StringComparison.Ordinal);
    }

    private static ringattn_tensor_desc Tensor(int batch, int heads, int rows, int dim, int dtype)
    {
        ringattn_tensor_desc desc = default;
        desc.dims[0] = batch;
        desc.dims[1] = heads;
        desc.dims[2] = rows;
        desc.dims[3] = dim;
        desc.strides[0] = (long)heads * rows * dim;
        desc.strides[1] = (long)rows * dim;
        desc.strides[2] = dim;
        desc.strides[3] = 1;
        desc.dtype = dtype;
        return desc;
    }

    private static Half[] RandomHalves(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (Half)(random.NextDouble() * 2 - 1)).ToArray();

    private static float[] RandomLse(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 3 - 1)).ToArray();
}
