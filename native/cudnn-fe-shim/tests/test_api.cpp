// The C API's contract outside the happy path: versions, device queries, streams/events, and bad
// arguments that must come back as a status and a message, never a crash.
#include <cstdio>
#include <cstring>
#include <string>

#include "test_support.h"

using namespace ringattn_test;

namespace {

ringattn_sdpa_desc valid_desc() {
    ringattn_sdpa_desc d{};
    d.batch = 1;
    d.q_heads = 4;
    d.kv_heads = 2;
    d.s_q = 128;
    d.s_kv = 128;
    d.head_dim = 64;
    d.dtype = RINGATTN_DTYPE_BF16;
    d.mask = RINGATTN_MASK_CAUSAL_TOP_LEFT;
    layout_strides(Layout::BSHD, 1, 4, 128, 64, d.q_stride);
    layout_strides(Layout::BSHD, 1, 2, 128, 64, d.k_stride);
    layout_strides(Layout::BSHD, 1, 2, 128, 64, d.v_stride);
    layout_strides(Layout::BSHD, 1, 4, 128, 64, d.o_stride);
    return d;
}

/** Expects `status` with a non-empty message naming the function. */
void expect_error(int32_t status, int32_t expected, const char* function, const char* what) {
    EXPECT_EQ(status, expected) << what << ": " << ringattn_last_error();
    EXPECT_NE(std::string(ringattn_last_error()).find(function), std::string::npos)
        << what << ": message should name " << function << ", got: " << ringattn_last_error();
}

}  // namespace

TEST(Api, VersionsAndDevice) {
    EXPECT_EQ(ringattn_abi_version(), static_cast<uint32_t>(RINGATTN_ABI_VERSION));
    ringattn_versions v{};
    RA_OK(ringattn_get_versions(&v));
    std::printf(
        "  shim %d abi %d cudnn runtime %lld compiled %lld frontend %lld nccl %d/%d cuda runtime %d driver %d\n",
        v.shim, v.abi, (long long)v.cudnn_runtime, (long long)v.cudnn_compiled, (long long)v.cudnn_frontend,
        v.nccl_runtime, v.nccl_compiled, v.cuda_runtime, v.cuda_driver);
    EXPECT_GT(v.cudnn_runtime, 90000);
    EXPECT_EQ(v.cudnn_frontend, 12300);
    EXPECT_GT(v.nccl_runtime, 0);
    EXPECT_GT(v.cuda_runtime, 0);
    EXPECT_GT(v.cuda_driver, 0);
    int32_t count = 0;
    RA_OK(ringattn_cuda_device_count(&count));
    ASSERT_GT(count, 0);
    ringattn_device_props props{};
    RA_OK(ringattn_cuda_device_props(0, &props));
    std::printf("  device 0: %s cc %d.%d, %d SMs, %zu bytes\n", props.name, props.cc_major, props.cc_minor,
                props.sm_count, props.total_memory_bytes);
    EXPECT_GT(std::strlen(props.name), 0u);
    EXPECT_GE(props.cc_major, 8);
    EXPECT_GT(props.sm_count, 0);
    EXPECT_EQ(ringattn_cuda_device_props(count, &props), RINGATTN_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(ringattn_status_name(RINGATTN_STATUS_UNSUPPORTED)), "RINGATTN_STATUS_UNSUPPORTED");
    size_t free_bytes = 0, total_bytes = 0;
    RA_OK(ringattn_cuda_mem_get_info(&free_bytes, &total_bytes));
    EXPECT_GT(total_bytes, 0u);
}

TEST(Api, StreamsEventsAndCopies) {
    ringattn_stream stream = nullptr;
    RA_OK(ringattn_cuda_stream_create(&stream));
    ringattn_event start = nullptr, stop = nullptr, sync_only = nullptr;
    RA_OK(ringattn_cuda_event_create(1, &start));
    RA_OK(ringattn_cuda_event_create(1, &stop));
    RA_OK(ringattn_cuda_event_create(0, &sync_only));
    const size_t bytes = 1 << 20;
    void* pinned = nullptr;
    RA_OK(ringattn_cuda_host_malloc(bytes, &pinned));
    std::memset(pinned, 0x5A, bytes);
    void* dev_a = nullptr;
    void* dev_b = nullptr;
    RA_OK(ringattn_cuda_malloc(bytes, &dev_a));
    RA_OK(ringattn_cuda_malloc(bytes, &dev_b));
    RA_OK(ringattn_cuda_event_record(start, stream));
    RA_OK(ringattn_cuda_memcpy_async(dev_a, pinned, bytes, RINGATTN_MEMCPY_HOST_TO_DEVICE, stream));
    RA_OK(ringattn_cuda_memset_async(dev_b, 0, bytes, stream));
    RA_OK(ringattn_cuda_memcpy_async(dev_b, dev_a, bytes / 2, RINGATTN_MEMCPY_DEVICE_TO_DEVICE, stream));
    RA_OK(ringattn_cuda_event_record(stop, stream));
    RA_OK(ringattn_cuda_event_record(sync_only, stream));
    RA_OK(ringattn_cuda_stream_wait_event(nullptr, sync_only));
    std::memset(pinned, 0, bytes);
    RA_OK(ringattn_cuda_memcpy_async(pinned, dev_b, bytes, RINGATTN_MEMCPY_DEVICE_TO_HOST, stream));
    RA_OK(ringattn_cuda_stream_synchronize(stream));
    RA_OK(ringattn_cuda_event_synchronize(stop));
    EXPECT_EQ(ringattn_cuda_event_query(stop), RINGATTN_STATUS_OK);
    float ms = -1.0f;
    RA_OK(ringattn_cuda_event_elapsed_ms(start, stop, &ms));
    EXPECT_GE(ms, 0.0f);
    const uint8_t* p = static_cast<const uint8_t*>(pinned);
    EXPECT_EQ(p[0], 0x5A);
    EXPECT_EQ(p[bytes / 2 - 1], 0x5A);
    EXPECT_EQ(p[bytes / 2], 0);
    EXPECT_EQ(ringattn_cuda_memcpy_async(dev_a, pinned, 16, 99, stream), RINGATTN_STATUS_INVALID_ARGUMENT);
    int32_t device = -1;
    RA_OK(ringattn_cuda_get_device(&device));
    RA_OK(ringattn_cuda_set_device(device));
    RA_OK(ringattn_cuda_free(dev_a));
    RA_OK(ringattn_cuda_free(dev_b));
    RA_OK(ringattn_cuda_free(nullptr));
    RA_OK(ringattn_cuda_host_free(pinned));
    RA_OK(ringattn_cuda_event_destroy(start));
    RA_OK(ringattn_cuda_event_destroy(stop));
    RA_OK(ringattn_cuda_event_destroy(sync_only));
    RA_OK(ringattn_cuda_stream_destroy(stream));
    EXPECT_EQ(ringattn_cuda_event_query(nullptr), RINGATTN_STATUS_INVALID_ARGUMENT);
}

TEST(Api, SdpaBadArguments) {
    ringattn_context* ctx = nullptr;
    expect_error(ringattn_context_create(0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT, "ringattn_context_create",
                 "null out");
    expect_error(ringattn_context_create(-1, &ctx), RINGATTN_STATUS_INVALID_ARGUMENT, "ringattn_context_create",
                 "bad device");
    RA_OK(ringattn_context_create(0, &ctx));
    DeviceBuffer buf(1 << 20);
    void* p = buf.get();
    float* lse = buf.as<float>();
    const char* fwd = "ringattn_sdpa_forward";

    ringattn_sdpa_desc d = valid_desc();
    expect_error(ringattn_sdpa_forward(nullptr, &d, p, p, p, p, lse, nullptr, 0, nullptr),
                 RINGATTN_STATUS_INVALID_ARGUMENT, fwd, "null ctx");
    expect_error(ringattn_sdpa_forward(ctx, nullptr, p, p, p, p, lse, nullptr, 0, nullptr),
                 RINGATTN_STATUS_INVALID_ARGUMENT, fwd, "null desc");
    expect_error(ringattn_sdpa_forward(ctx, &d, nullptr, p, p, p, lse, nullptr, 0, nullptr),
                 RINGATTN_STATUS_INVALID_ARGUMENT, fwd, "null q");
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, nullptr, lse, nullptr, 0, nullptr),
                 RINGATTN_STATUS_INVALID_ARGUMENT, fwd, "null o");
    expect_error(ringattn_sdpa_forward(ctx, &d, static_cast<char*>(p) + 2, p, p, p, lse, nullptr, 0, nullptr),
                 RINGATTN_STATUS_INVALID_ARGUMENT, fwd, "misaligned q");

    d = valid_desc();
    d.batch = 0;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "batch 0");
    d = valid_desc();
    d.s_kv = -5;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "negative s_kv");
    d = valid_desc();
    d.kv_heads = 3;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "hq not a multiple of hkv");
    d = valid_desc();
    d.head_dim = 12;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_UNSUPPORTED, fwd,
                 "head_dim 12");
    d = valid_desc();
    d.head_dim = 512;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_UNSUPPORTED, fwd,
                 "head_dim 512");
    d = valid_desc();
    d.q_stride[3] = 2;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "d stride 2");
    d = valid_desc();
    d.mask = 7;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "unknown mask");
    d = valid_desc();
    d.dtype = 9;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "unknown dtype");
    d = valid_desc();
    d.dtype = RINGATTN_DTYPE_FP32;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_UNSUPPORTED, fwd,
                 "fp32 attention");
    d = valid_desc();
    d.mask = RINGATTN_MASK_CAUSAL_BOTTOM_RIGHT;
    d.s_q = 256;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_UNSUPPORTED, fwd,
                 "bottom-right with s_q > s_kv");
    d = valid_desc();
    d.mask = RINGATTN_MASK_NONE;
    d.window_left = 16;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_UNSUPPORTED, fwd,
                 "window without causal");
    d = valid_desc();
    d.window_right = 4;  // only the band has a right bound
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "window_right with a causal mask");
    d = valid_desc();
    d.mask = RINGATTN_MASK_BAND;
    d.window_left = 4;
    d.window_right = 2;
    d.s_q = 2 * d.s_kv;  // a real left bound with s_q > s_kv: cuDNN refuses sliding windows there
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_UNSUPPORTED, fwd,
                 "band left bound with s_q > s_kv");
    d = valid_desc();
    d.mask = RINGATTN_MASK_BAND;
    d.window_right = int64_t{1} << 31;
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "window_right 2^31");
    d = valid_desc();
    d.scale = std::numeric_limits<float>::quiet_NaN();
    expect_error(ringattn_sdpa_forward(ctx, &d, p, p, p, p, lse, nullptr, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 fwd, "NaN scale");

    ringattn_sdpa_bwd_desc bd{};
    bd.fwd = valid_desc();
    expect_error(ringattn_sdpa_backward(ctx, &bd, p, p, p, p, p, lse, p, p, p, nullptr, 0, nullptr),
                 RINGATTN_STATUS_INVALID_ARGUMENT, "ringattn_sdpa_backward", "gradient strides all zero");
    expect_error(ringattn_sdpa_backward(ctx, nullptr, p, p, p, p, p, lse, p, p, p, nullptr, 0, nullptr),
                 RINGATTN_STATUS_INVALID_ARGUMENT, "ringattn_sdpa_backward", "null desc");
    size_t bytes = 0;
    expect_error(ringattn_sdpa_forward_workspace_size(ctx, &d, 1, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 "ringattn_sdpa_forward_workspace_size", "null bytes");
    (void)bytes;
    int64_t builds = -1;
    RA_OK(ringattn_sdpa_cache_stats(ctx, &builds, nullptr, nullptr));
    EXPECT_EQ(builds, 0) << "rejected calls must not build graphs";
    expect_error(ringattn_context_set_cache_capacity(ctx, 0), RINGATTN_STATUS_INVALID_ARGUMENT,
                 "ringattn_context_set_cache_capacity", "capacity 0");
    RA_OK(ringattn_context_destroy(ctx));
    RA_OK(ringattn_context_destroy(nullptr));
}

TEST(Api, KernelBadArguments) {
    DeviceBuffer buf(1 << 16);
    float* f = buf.as<float>();
    ringattn_tensor_desc acc{{1, 2, 8, 16}, {256, 128, 16, 1}, RINGATTN_DTYPE_FP32};
    ringattn_tensor_desc part{{1, 2, 4, 16}, {128, 16, 32, 1}, RINGATTN_DTYPE_BF16};
    expect_error(ringattn_merge_init(nullptr, f, f, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT, "ringattn_merge_init",
                 "null desc");
    expect_error(ringattn_lse_merge(&part, f, f, &acc, f, f, 5, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 "ringattn_lse_merge", "rows past the accumulator");
    expect_error(ringattn_lse_merge(&part, nullptr, f, &acc, f, f, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 "ringattn_lse_merge", "null o_part");
    ringattn_tensor_desc wrong_d = part;
    wrong_d.dims[3] = 8;
    expect_error(ringattn_lse_merge(&wrong_d, f, f, &acc, f, f, 0, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 "ringattn_lse_merge", "d mismatch");
    ringattn_tensor_desc bf16_acc = acc;
    bf16_acc.dtype = RINGATTN_DTYPE_BF16;
    expect_error(ringattn_accumulate(&bf16_acc, f, &acc, f, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT,
                 "ringattn_accumulate", "non-fp32 accumulator");
    expect_error(ringattn_cast(&acc, f, &part, f, nullptr), RINGATTN_STATUS_INVALID_ARGUMENT, "ringattn_cast",
                 "dims differ");
}

RINGATTN_TEST_MAIN()
