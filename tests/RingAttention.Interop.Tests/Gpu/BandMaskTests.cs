using RingAttention.Interop.Tests.Infrastructure;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop.Tests.Gpu;

/// <summary>
/// The diagonal band mask (RINGATTN_MASK_BAND with window_left and window_right), forward and backward, against the
/// float64 reference's direct rule. Runs on a GPU, and in CI on the shim's CPU emulator (RINGATTN_NATIVE_PATH set to
/// it), which implements the band the same way; explicit workspaces, because the emulator wants them.
/// </summary>
[Collection(GpuCollectionDefinition.Name)]
[Trait("Category", "Gpu")]
public sealed unsafe class BandMaskTests : GpuTestBase
{
    private const int Batch = 1, QueryHeads = 2, KvHeads = 1, HeadDim = 32;

    // The bounds of AttentionTests for O and the gradients (16-bit rounding of each output dominates); the LSE is
    // fp32 and sums up to 80 exponentials, hence 1e-6 rather than 2e-7.
    private const double OutputBound = 8e-4, GradientBound = 1e-3, LseBound = 1e-6;

    [Theory]
    [InlineData(8, -1, 48, 48)] // left only, right unbounded
    [InlineData(5, 3, 48, 48)] // both bounds, right > 0
    [InlineData(-1, 4, 48, 48)] // right only
    [InlineData(6, 0, 48, 48)] // = causal top-left with a window
    [InlineData(0, 2, 48, 48)] // nothing left of the diagonal
    [InlineData(-1, 32, 48, 80)] // right == s_kv - s_q: = causal bottom-right
    [InlineData(3, 32, 48, 80)] // = causal bottom-right with a window
    [InlineData(7, 2, 48, 80)] // a band in a rectangular block
    [InlineData(-1, -1, 48, 48)] // unbounded both sides: no mask
    [InlineData(200, 200, 48, 48)] // bounds past the block: no mask either
    public void Band_forward_and_backward_match_the_float64_reference(int windowLeft, int windowRight, int queryRows, int kvRows)
    {
        Requires.Gpu();
        double scale = 1 / Math.Sqrt(HeadDim);
        var reference = new ReferenceAttention(Batch, QueryHeads, KvHeads, queryRows, kvRows, HeadDim, RINGATTN_MASK_BAND, scale, windowLeft, windowRight);
        var random = new Random(97 + windowLeft * 31 + windowRight);
        Half[] q = RandomHalves(random, reference.QuerySize), k = RandomHalves(random, reference.KvSize);
        Half[] v = RandomHalves(random, reference.KvSize), dO = RandomHalves(random, reference.QuerySize);

        ShimStatus.Check(NativeMethods.ringattn_context_create(0, out SafeContextHandle context));
        using (context)
        using (DeviceBuffer dq = DeviceBuffer.FromHost<Half>(q, Stream), dk = DeviceBuffer.FromHost<Half>(k, Stream), dv = DeviceBuffer.FromHost<Half>(v, Stream))
        using (DeviceBuffer ddO = DeviceBuffer.FromHost<Half>(dO, Stream), dOut = DeviceBuffer.Allocate<Half>(reference.QuerySize), dLse = DeviceBuffer.Allocate<float>(reference.LseSize))
        using (DeviceBuffer gradQ = DeviceBuffer.Allocate<Half>(reference.QuerySize), gradK = DeviceBuffer.Allocate<Half>(reference.KvSize), gradV = DeviceBuffer.Allocate<Half>(reference.KvSize))
        {
            ringattn_sdpa_desc desc = Descriptor(queryRows, kvRows, windowLeft, windowRight);
            nuint forwardBytes = 0;
            ShimStatus.Check(NativeMethods.ringattn_sdpa_forward_workspace_size(context, &desc, 1, &forwardBytes));
            using (SafeCudaMemoryHandle workspace = SafeCudaMemoryHandle.AllocateDevice(Math.Max(forwardBytes, 16)))
            {
                ShimStatus.Check(NativeMethods.ringattn_sdpa_forward(context, &desc, dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer,
                    (float*)dLse.Pointer, (void*)workspace.DangerousGetHandle(), Math.Max(forwardBytes, 16), Stream));
                Synchronize();
            }

            Half[] o = dOut.ToHost<Half>(reference.QuerySize, Stream);
            float[] lse = dLse.ToHost<float>(reference.LseSize, Stream);
            (double[] expectedO, double[] expectedLse) = reference.Forward(ToDouble(q), ToDouble(k), ToDouble(v));
            ErrorBound.Check("O", expectedO, ToDouble(o), OutputBound);
            ErrorBound.Check("LSE", expectedLse, [.. lse.Select(x => (double)x)], LseBound);

            ringattn_sdpa_bwd_desc backward = default;
            backward.fwd = desc;
            SetContiguous(backward.do_stride, QueryHeads, queryRows);
            SetContiguous(backward.dq_stride, QueryHeads, queryRows);
            SetContiguous(backward.dk_stride, KvHeads, kvRows);
            SetContiguous(backward.dv_stride, KvHeads, kvRows);
            nuint backwardBytes = 0;
            ShimStatus.Check(NativeMethods.ringattn_sdpa_backward_workspace_size(context, &backward, &backwardBytes));
            using (SafeCudaMemoryHandle workspace = SafeCudaMemoryHandle.AllocateDevice(Math.Max(backwardBytes, 16)))
            {
                ShimStatus.Check(NativeMethods.ringattn_sdpa_backward(context, &backward, dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer, ddO.Pointer,
                    (float*)dLse.Pointer, gradQ.Pointer, gradK.Pointer, gradV.Pointer, (void*)workspace.DangerousGetHandle(), Math.Max(backwardBytes, 16), Stream));
                Synchronize();
            }

            (double[] expectedDq, double[] expectedDk, double[] expectedDv) = reference.Backward(ToDouble(q), ToDouble(k), ToDouble(v), ToDouble(o), ToDouble(dO));
            ErrorBound.Check("dQ", expectedDq, ToDouble(gradQ.ToHost<Half>(reference.QuerySize, Stream)), GradientBound);
            ErrorBound.Check("dK", expectedDk, ToDouble(gradK.ToHost<Half>(reference.KvSize, Stream)), GradientBound);
            ErrorBound.Check("dV", expectedDv, ToDouble(gradV.ToHost<Half>(reference.KvSize, Stream)), GradientBound);
        }
    }

    [Fact]
    public void Window_right_needs_the_band_mask_and_a_left_bound_needs_s_q_at_most_s_kv()
    {
        Requires.Gpu();
        ShimStatus.Check(NativeMethods.ringattn_context_create(0, out SafeContextHandle context));
        using (context)
        {
            nuint bytes = 0;
            ringattn_sdpa_desc causal = Descriptor(16, 16, 0, 3);
            causal.mask = RINGATTN_MASK_CAUSAL_TOP_LEFT;
            var invalid = Expect.Failure(NativeStatus.InvalidArgument,
                NativeMethods.ringattn_sdpa_forward_workspace_size(context, &causal, 1, &bytes), nameof(NativeMethods.ringattn_sdpa_forward_workspace_size));
            Assert.Contains("window_right must be 0 unless mask is RINGATTN_MASK_BAND", invalid.Message, StringComparison.Ordinal);

            ringattn_sdpa_desc tall = Descriptor(32, 16, 4, 4);
            var unsupported = Expect.Failure(NativeStatus.Unsupported,
                NativeMethods.ringattn_sdpa_forward_workspace_size(context, &tall, 1, &bytes), nameof(NativeMethods.ringattn_sdpa_forward_workspace_size));
            Assert.Contains("s_q <= s_kv", unsupported.Message, StringComparison.Ordinal);
        }
    }

    private static ringattn_sdpa_desc Descriptor(int queryRows, int kvRows, int windowLeft, int windowRight)
    {
        ringattn_sdpa_desc desc = default;
        desc.batch = Batch;
        desc.q_heads = QueryHeads;
        desc.kv_heads = KvHeads;
        desc.s_q = queryRows;
        desc.s_kv = kvRows;
        desc.head_dim = HeadDim;
        desc.dtype = RINGATTN_DTYPE_FP16;
        desc.mask = RINGATTN_MASK_BAND;
        desc.window_left = windowLeft;
        desc.window_right = windowRight;
        SetContiguous(desc.q_stride, QueryHeads, queryRows);
        SetContiguous(desc.k_stride, KvHeads, kvRows);
        SetContiguous(desc.v_stride, KvHeads, kvRows);
        SetContiguous(desc.o_stride, QueryHeads, queryRows);
        return desc;
    }

    /// <summary>Strides of a contiguous [b, h, s, d] (BHSD) tensor.</summary>
    private static void SetContiguous(long* stride, int heads, int rows)
    {
        stride[0] = (long)heads * rows * HeadDim;
        stride[1] = (long)rows * HeadDim;
        stride[2] = HeadDim;
        stride[3] = 1;
    }

    private static Half[] RandomHalves(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (Half)(random.NextDouble() * 2 - 1)).ToArray();

    private static double[] ToDouble(Half[] values) => values.Select(x => (double)x).ToArray();
}
