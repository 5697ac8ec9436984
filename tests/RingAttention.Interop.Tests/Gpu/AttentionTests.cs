using RingAttention.Interop.Tests.Infrastructure;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop.Tests.Gpu;

/// <summary>cuDNN fused attention through the shim, forward and backward, against a float64 reference.</summary>
[Collection(GpuCollectionDefinition.Name)]
[Trait("Category", "Gpu")]
public sealed unsafe class AttentionTests : GpuTestBase
{
    // Small enough for an O(s²·d) float64 reference, large enough for several cuDNN tiles; GQA with 2 query heads per KV head.
    private const int Batch = 2, QueryHeads = 4, KvHeads = 2, Rows = 80, HeadDim = 64;

    // Relative L2 bounds for fp16, about 3 times the errors cuDNN 9.14 made on the H100 in the shim's own fp16 tests
    // (native/results/ctest.log: O up to 2.8e-4, gradients up to 3.5e-4) and in the ring's single-call baseline
    // (tests/gpu-results: LSE about 5e-8, fp32). The 16-bit rounding of each output sets most of that error, so it
    // does not grow with these shapes; a 5% error is 50 times above any of the bounds.
    private const double OutputBound = 8e-4, GradientBound = 1e-3, LseBound = 2e-7;

    [Theory]
    [InlineData(RINGATTN_MASK_NONE)]
    [InlineData(RINGATTN_MASK_CAUSAL_TOP_LEFT)]
    public void Forward_and_backward_match_the_float64_reference(int mask)
    {
        Requires.Gpu();
        double scale = 1 / Math.Sqrt(HeadDim);
        var reference = new ReferenceAttention(Batch, QueryHeads, KvHeads, Rows, Rows, HeadDim, mask, scale);
        var random = new Random(1234 + mask);
        Half[] q = RandomHalves(random, reference.QuerySize), k = RandomHalves(random, reference.KvSize);
        Half[] v = RandomHalves(random, reference.KvSize), dO = RandomHalves(random, reference.QuerySize);

        ShimStatus.Check(NativeMethods.ringattn_context_create(0, out SafeContextHandle context));
        using (context)
        using (DeviceBuffer dq = DeviceBuffer.FromHost<Half>(q, Stream), dk = DeviceBuffer.FromHost<Half>(k, Stream), dv = DeviceBuffer.FromHost<Half>(v, Stream))
        using (DeviceBuffer ddO = DeviceBuffer.FromHost<Half>(dO, Stream), dOut = DeviceBuffer.Allocate<Half>(reference.QuerySize), dLse = DeviceBuffer.Allocate<float>(reference.LseSize))
        using (DeviceBuffer gradQ = DeviceBuffer.Allocate<Half>(reference.QuerySize), gradK = DeviceBuffer.Allocate<Half>(reference.KvSize), gradV = DeviceBuffer.Allocate<Half>(reference.KvSize))
        {
            ringattn_sdpa_desc desc = Descriptor(mask);

            // Forward with an explicit workspace of exactly the size asked for.
            nuint forwardBytes = 0;
            ShimStatus.Check(NativeMethods.ringattn_sdpa_forward_workspace_size(context, &desc, 1, &forwardBytes));
            using (SafeCudaMemoryHandle workspace = SafeCudaMemoryHandle.AllocateDevice(forwardBytes))
            {
                ShimStatus.Check(NativeMethods.ringattn_sdpa_forward(context, &desc, dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer,
                    (float*)dLse.Pointer, (void*)workspace.DangerousGetHandle(), forwardBytes, Stream));
                Synchronize();
            }

            Half[] o = dOut.ToHost<Half>(reference.QuerySize, Stream);
            float[] lse = dLse.ToHost<float>(reference.LseSize, Stream);
            (double[] expectedO, double[] expectedLse) = reference.Forward(ToDouble(q), ToDouble(k), ToDouble(v));
            ErrorBound.Check("O", expectedO, ToDouble(o), OutputBound);
            ErrorBound.Check("LSE", expectedLse, [.. lse.Select(x => (double)x)], LseBound);

            // Backward with the context's own workspace (NULL), packed LSE (lse_stride all zero).
            ringattn_sdpa_bwd_desc backward = default;
            backward.fwd = desc;
            SetContiguous(backward.do_stride, QueryHeads);
            SetContiguous(backward.dq_stride, QueryHeads);
            SetContiguous(backward.dk_stride, KvHeads);
            SetContiguous(backward.dv_stride, KvHeads);
            nuint backwardBytes = 0;
            ShimStatus.Check(NativeMethods.ringattn_sdpa_backward_workspace_size(context, &backward, &backwardBytes));
            ShimStatus.Check(NativeMethods.ringattn_sdpa_backward(context, &backward, dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer, ddO.Pointer,
                (float*)dLse.Pointer, gradQ.Pointer, gradK.Pointer, gradV.Pointer, null, 0, Stream));
            Synchronize();

            (double[] expectedDq, double[] expectedDk, double[] expectedDv) = reference.Backward(ToDouble(q), ToDouble(k), ToDouble(v), ToDouble(o), ToDouble(dO));
            ErrorBound.Check("dQ", expectedDq, ToDouble(gradQ.ToHost<Half>(reference.QuerySize, Stream)), GradientBound);
            ErrorBound.Check("dK", expectedDk, ToDouble(gradK.ToHost<Half>(reference.KvSize, Stream)), GradientBound);
            ErrorBound.Check("dV", expectedDv, ToDouble(gradV.ToHost<Half>(reference.KvSize, Stream)), GradientBound);

            // The forward and backward graphs were built once each; running the forward again is a cache hit.
            long builds = 0, hits = 0, entries = 0;
            ShimStatus.Check(NativeMethods.ringattn_sdpa_cache_stats(context, &builds, &hits, &entries));
            ShimStatus.Check(NativeMethods.ringattn_sdpa_forward(context, &desc, dq.Pointer, dk.Pointer, dv.Pointer, dOut.Pointer,
                (float*)dLse.Pointer, null, 0, Stream));
            long buildsAfter = 0, hitsAfter = 0;
            ShimStatus.Check(NativeMethods.ringattn_sdpa_cache_stats(context, &buildsAfter, &hitsAfter, null));
            Assert.Equal(builds, buildsAfter);
            Assert.Equal(hits + 1, hitsAfter);
            Assert.Equal(2, entries);
            Synchronize();
        }
    }

    [Fact]
    public void Invalid_and_unsupported_descriptors_are_reported_before_any_work()
    {
        Requires.Gpu();
        ShimStatus.Check(NativeMethods.ringattn_context_create(0, out SafeContextHandle context));
        using (context)
        {
            int device = -1;
            ShimStatus.Check(NativeMethods.ringattn_context_device(context, &device));
            Assert.Equal(0, device);

            var capacity = Expect.Throws(NativeStatus.InvalidArgument, () => ShimStatus.Check(NativeMethods.ringattn_context_set_cache_capacity(context, 0)));
            Assert.Equal("ringattn_context_set_cache_capacity failed with RINGATTN_STATUS_INVALID_ARGUMENT (1): capacity must be >= 1, got 0", capacity.Message);

            ringattn_sdpa_desc fp32 = Descriptor(RINGATTN_MASK_NONE);
            fp32.dtype = RINGATTN_DTYPE_FP32;
            nuint bytes = 0;
            var unsupported = Expect.Failure(NativeStatus.Unsupported,
                NativeMethods.ringattn_sdpa_forward_workspace_size(context, &fp32, 1, &bytes), nameof(NativeMethods.ringattn_sdpa_forward_workspace_size));
            Assert.Contains("BF16 and RINGATTN_DTYPE_FP16 only", unsupported.Message, StringComparison.Ordinal);

            ringattn_sdpa_desc badStride = Descriptor(RINGATTN_MASK_NONE);
            badStride.q_stride[3] = 2;
            var invalid = Expect.Failure(NativeStatus.InvalidArgument,
                NativeMethods.ringattn_sdpa_forward_workspace_size(context, &badStride, 1, &bytes), nameof(NativeMethods.ringattn_sdpa_forward_workspace_size));
            Assert.Contains("(the d stride) must be 1", invalid.Message, StringComparison.Ordinal);
        }

        Assert.True(context.IsClosed);
        var wrongDevice = Expect.Throws(NativeStatus.InvalidArgument, () =>
            ShimStatus.Check(NativeMethods.ringattn_context_create(NativeRuntime.DeviceCount(), out SafeContextHandle never)));
        Assert.Equal("ringattn_context_create", wrongDevice.Function);
    }

    private static ringattn_sdpa_desc Descriptor(int mask)
    {
        ringattn_sdpa_desc desc = default;
        desc.batch = Batch;
        desc.q_heads = QueryHeads;
        desc.kv_heads = KvHeads;
        desc.s_q = Rows;
        desc.s_kv = Rows;
        desc.head_dim = HeadDim;
        desc.dtype = RINGATTN_DTYPE_FP16;
        desc.mask = mask;
        desc.scale = 0; // the default, 1/sqrt(head_dim)
        SetContiguous(desc.q_stride, QueryHeads);
        SetContiguous(desc.k_stride, KvHeads);
        SetContiguous(desc.v_stride, KvHeads);
        SetContiguous(desc.o_stride, QueryHeads);
        return desc;
    }

    /// <summary>Strides of a contiguous [b, h, s, d] (BHSD) tensor.</summary>
    private static void SetContiguous(long* stride, int heads)
    {
        stride[0] = (long)heads * Rows * HeadDim;
        stride[1] = (long)Rows * HeadDim;
        stride[2] = HeadDim;
        stride[3] = 1;
    }

    private static Half[] RandomHalves(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (Half)(random.NextDouble() * 2 - 1)).ToArray();

    private static double[] ToDouble(Half[] values) => values.Select(x => (double)x).ToArray();
}
