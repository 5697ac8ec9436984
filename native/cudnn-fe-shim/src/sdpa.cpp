// Scaled-dot-product attention forward and backward through cudnn-frontend's graph API.
//
// This is the ONLY translation unit of the library that includes cudnn_frontend.h (its JSON dependency
// makes a compile take over a minute). A graph is built once per descriptor (SdpaGraphKey) and cached;
// later calls with the same descriptor update the pointers of a persistent variant pack and execute.
#include <cudnn_frontend.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "../kernels/launchers.h"
#include "context.h"
#include "cuda_check.h"
#include "sdpa_graph_key.h"

namespace fe = cudnn_frontend;

namespace ringattn {

/** A built graph, its workspace need and the variant pack reused by every execution. */
struct SdpaGraph {
    std::shared_ptr<fe::graph::Graph> graph;
    int64_t graph_workspace_bytes = 0;
    // uid -> device pointer. Created with every uid at build time, so execution only overwrites values
    // (no allocation). Guarded by the context mutex like the rest of an execution.
    std::unordered_map<fe::graph::Tensor_attributes::uid_t, void*> variant_pack;
};

namespace {

// Tensor uids. Fixed numbers shared by forward and backward graphs; the bench's direct call uses the same.
enum Uid : int64_t { kQ = 1, kK = 2, kV = 3, kO = 4, kStats = 5, kDO = 6, kDQ = 7, kDK = 8, kDV = 9 };

constexpr size_t kScratchAlignment = 256;

size_t align_up(size_t value, size_t alignment) { return (value + alignment - 1) / alignment * alignment; }

std::vector<int64_t> stride_vector(const int64_t (&s)[4]) { return {s[0], s[1], s[2], s[3]}; }

/** A mask as the graph key holds it (see SdpaGraphKey): alignment and cuDNN's left and right bounds. */
struct SdpaMask {
    int32_t alignment = kAlignTopLeft;
    int64_t left_bound = 0;  // cuDNN L (> 0), 0: none
    int64_t right_bound = kNoRightBound;
};

/**
 * The simplest cuDNN mask equal to the descriptor's, so that equal masks share one graph and take cuDNN's
 * best-trodden path (causal kernels are the common case, and cuDNN 9.14.0's "non-causal" refusals test for the
 * absence of a right bound). Assumes the mask value is valid.
 */
SdpaMask canonical_mask(const ringattn_sdpa_desc* d) {
    SdpaMask m;
    if (d->mask == RINGATTN_MASK_NONE) return m;
    if (d->mask != RINGATTN_MASK_BAND) {
        m.alignment = d->mask == RINGATTN_MASK_CAUSAL_BOTTOM_RIGHT ? kAlignBottomRight : kAlignTopLeft;
        m.right_bound = 0;
        // The frontend's left bound counts the diagonal key itself: key j is kept when j > diag - left_bound.
        if (d->window_left > 0) m.left_bound = d->window_left + 1;
        return m;
    }
    // Band, top-left: i - wl <= j <= i + wr. Every query row i is in [0, s_q) and every key j in [0, s_kv), so
    // wr >= s_kv - 1 keeps every key on the right and wl >= s_q - 1 every key on the left: both are unbounded.
    int64_t wl = d->window_left, wr = d->window_right;
    if (wl >= d->s_q - 1) wl = -1;
    if (wr >= d->s_kv - 1) wr = -1;
    if (wl < 0 && wr < 0) return m;  // no mask
    // cuDNN 9.14.0 refuses a left bound without a right one past 1024 keys (cudnn-frontend's
    // sdpa_support_surface.h: "non-causal" there means "no right bound"). s_kv - 1 hides no key.
    if (wr < 0) wr = d->s_kv - 1;
    if (wr == 0) {
        // Causal top-left, with the band's left bound as its window.
        m.right_bound = 0;
        if (wl >= 0) m.left_bound = wl + 1;
        return m;
    }
    if (wr > 0 && d->s_q <= d->s_kv && wr == d->s_kv - d->s_q) {
        // Causal bottom-right: diag = i + (s_kv - s_q) = i + wr. The left bound i - wl = diag - (wl + wr).
        m.alignment = kAlignBottomRight;
        m.right_bound = 0;
        if (wl >= 0) m.left_bound = wl + wr + 1;
        return m;
    }
    m.right_bound = wr;  // kNoRightBound when unbounded
    if (wl >= 0) m.left_bound = wl + 1;
    return m;
}

/** Validates a forward descriptor and returns the scale to use (resolving the 0 default). */
float validate_desc(const ringattn_sdpa_desc* d) {
    require_not_null(d, "desc");
    require(d->batch > 0 && d->q_heads > 0 && d->kv_heads > 0 && d->s_q > 0 && d->s_kv > 0 && d->head_dim > 0,
            "batch, q_heads, kv_heads, s_q, s_kv and head_dim must all be > 0 (got b=" + std::to_string(d->batch) +
                " hq=" + std::to_string(d->q_heads) + " hkv=" + std::to_string(d->kv_heads) +
                " s_q=" + std::to_string(d->s_q) + " s_kv=" + std::to_string(d->s_kv) +
                " d=" + std::to_string(d->head_dim) + ")");
    require(d->q_heads % d->kv_heads == 0, "q_heads (" + std::to_string(d->q_heads) +
                                               ") must be a multiple of kv_heads (" + std::to_string(d->kv_heads) +
                                               ")");
    require(d->dtype == RINGATTN_DTYPE_BF16 || d->dtype == RINGATTN_DTYPE_FP16 || d->dtype == RINGATTN_DTYPE_FP32,
            "dtype is not a RINGATTN_DTYPE_* value: " + std::to_string(d->dtype));
    if (d->dtype == RINGATTN_DTYPE_FP32)
        fail(RINGATTN_STATUS_UNSUPPORTED, "attention supports RINGATTN_DTYPE_BF16 and RINGATTN_DTYPE_FP16 only");
    require(d->mask == RINGATTN_MASK_NONE || d->mask == RINGATTN_MASK_CAUSAL_TOP_LEFT ||
                d->mask == RINGATTN_MASK_CAUSAL_BOTTOM_RIGHT || d->mask == RINGATTN_MASK_BAND,
            "mask is not a RINGATTN_MASK_* value: " + std::to_string(d->mask));
    if (d->head_dim % 8 != 0 || d->head_dim > 256)
        fail(RINGATTN_STATUS_UNSUPPORTED,
             "head_dim must be a multiple of 8 and at most 256, got " + std::to_string(d->head_dim));
    if (d->mask == RINGATTN_MASK_CAUSAL_BOTTOM_RIGHT && d->s_q > d->s_kv)
        fail(RINGATTN_STATUS_UNSUPPORTED, "a bottom-right causal mask needs s_q <= s_kv (got s_q=" +
                                              std::to_string(d->s_q) + ", s_kv=" + std::to_string(d->s_kv) + ")");
    // The bounds become cuDNN's int attributes (left bound + 1 included): keep them far from INT_MAX.
    constexpr int64_t kMaxWindow = int64_t{1} << 30;
    if (d->mask == RINGATTN_MASK_BAND) {
        require(d->window_left < kMaxWindow,
                "window_left must be < 2^30 with RINGATTN_MASK_BAND, got " + std::to_string(d->window_left));
        require(d->window_right < kMaxWindow,
                "window_right must be < 2^30 with RINGATTN_MASK_BAND, got " + std::to_string(d->window_right));
        // cuDNN refuses a left bound when s_q > s_kv; a bound that masks nothing is dropped first, so check after.
        const SdpaMask m = canonical_mask(d);
        if (m.left_bound > 0 && d->s_q > d->s_kv)
            fail(RINGATTN_STATUS_UNSUPPORTED,
                 "a band with a left bound (window_left=" + std::to_string(d->window_left) +
                     ") needs s_q <= s_kv (got s_q=" + std::to_string(d->s_q) + ", s_kv=" + std::to_string(d->s_kv) +
                     "); cuDNN refuses sliding windows otherwise");
    } else {
        // Zero-initialised descriptors written before window_right existed must keep their meaning.
        require(d->window_right == 0,
                "window_right must be 0 unless mask is RINGATTN_MASK_BAND, got " + std::to_string(d->window_right));
        if (d->window_left > 0) {
            if (d->mask == RINGATTN_MASK_NONE)
                fail(RINGATTN_STATUS_UNSUPPORTED,
                     "window_left needs a causal mask (top-left or bottom-right) or RINGATTN_MASK_BAND");
            if (d->s_q > d->s_kv) fail(RINGATTN_STATUS_UNSUPPORTED, "a sliding window needs s_q <= s_kv");
            require(d->window_left < kMaxWindow, "window_left too large: " + std::to_string(d->window_left));
        }
    }
    require(std::isfinite(d->scale), "scale must be finite");
    const int64_t* strides[4] = {d->q_stride, d->k_stride, d->v_stride, d->o_stride};
    const char* names[4] = {"q_stride", "k_stride", "v_stride", "o_stride"};
    for (int t = 0; t < 4; ++t) {
        for (int i = 0; i < 4; ++i) require(strides[t][i] >= 0, std::string(names[t]) + " must be >= 0");
        require(strides[t][3] == 1, std::string(names[t]) + "[3] (the d stride) must be 1");
    }
    return d->scale == 0.0f ? 1.0f / std::sqrt(static_cast<float>(d->head_dim)) : d->scale;
}

void require_aligned(const void* p, const char* name) {
    require_not_null(p, name);
    require(reinterpret_cast<uintptr_t>(p) % 16 == 0, std::string(name) + " must be 16-byte aligned");
}

/** True if lse_stride is all zeros or exactly the packed strides of [b, hq, s_q]. */
bool lse_is_packed(const ringattn_sdpa_bwd_desc* d) {
    const int64_t* s = d->lse_stride;
    if (s[0] == 0 && s[1] == 0 && s[2] == 0) return true;
    const int64_t h = d->fwd.q_heads, sq = d->fwd.s_q;
    // Strides of size-1 dims never matter.
    return (d->fwd.batch == 1 || s[0] == h * sq) && (h == 1 || s[1] == sq) && (sq == 1 || s[2] == 1);
}

SdpaGraphKey make_key(SdpaDirection direction, int device, const ringattn_sdpa_desc* d, float scale) {
    SdpaGraphKey key;
    key.direction = static_cast<int32_t>(direction);
    key.device = device;
    key.dtype = d->dtype;
    const SdpaMask mask = canonical_mask(d);
    key.alignment = mask.alignment;
    key.left_bound = mask.left_bound;
    key.right_bound = mask.right_bound;
    key.batch = d->batch;
    key.q_heads = d->q_heads;
    key.kv_heads = d->kv_heads;
    key.s_q = d->s_q;
    key.s_kv = d->s_kv;
    key.head_dim = d->head_dim;
    std::memcpy(&key.scale_bits, &scale, sizeof(scale));
    std::memcpy(key.strides[kSlotQ], d->q_stride, sizeof(d->q_stride));
    std::memcpy(key.strides[kSlotK], d->k_stride, sizeof(d->k_stride));
    std::memcpy(key.strides[kSlotV], d->v_stride, sizeof(d->v_stride));
    std::memcpy(key.strides[kSlotO], d->o_stride, sizeof(d->o_stride));
    return key;
}

fe::DataType_t io_type(int32_t dtype) {
    return dtype == RINGATTN_DTYPE_FP16 ? fe::DataType_t::HALF : fe::DataType_t::BFLOAT16;
}

/** Applies the key's canonical mask to forward or backward SDPA attributes (same setters on both). */
template <class Attributes>
void apply_mask(Attributes& options, const SdpaGraphKey& key) {
    if (key.left_bound <= 0 && key.right_bound == kNoRightBound) return;  // no mask: leave the attributes unset
    options.set_diagonal_alignment(key.alignment == kAlignBottomRight ? fe::DiagonalAlignment_t::BOTTOM_RIGHT
                                                                      : fe::DiagonalAlignment_t::TOP_LEFT);
    // Bounds were checked < 2^30 by validate_desc, so the int casts are exact.
    if (key.right_bound != kNoRightBound) options.set_diagonal_band_right_bound(static_cast<int>(key.right_bound));
    if (key.left_bound > 0) options.set_diagonal_band_left_bound(static_cast<int>(key.left_bound));
}

/** Throws with the frontend's message if `result` is bad; GRAPH_NOT_SUPPORTED becomes UNSUPPORTED. */
void check_fe(fe::error_t result, const char* step) {
    if (result.is_good()) return;
    const bool unsupported = result.code == fe::error_code_t::GRAPH_NOT_SUPPORTED;
    fail(unsupported ? RINGATTN_STATUS_UNSUPPORTED : RINGATTN_STATUS_CUDNN_ERROR,
         std::string("cudnn-frontend ") + step + " failed: " + result.err_msg);
}

std::shared_ptr<fe::graph::Graph> new_graph(const SdpaGraphKey& key) {
    auto graph = std::make_shared<fe::graph::Graph>();
    graph->set_io_data_type(io_type(key.dtype))
        .set_intermediate_data_type(fe::DataType_t::FLOAT)
        .set_compute_data_type(fe::DataType_t::FLOAT);
    return graph;
}

std::shared_ptr<fe::graph::Tensor_attributes> input_tensor(fe::graph::Graph& graph, const char* name, Uid uid,
                                                           int64_t b, int64_t h, int64_t s, int64_t d,
                                                           const int64_t (&stride)[4]) {
    return graph.tensor(fe::graph::Tensor_attributes()
                            .set_name(name)
                            .set_uid(uid)
                            .set_dim({b, h, s, d})
                            .set_stride(stride_vector(stride)));
}

float key_scale(const SdpaGraphKey& key) {
    float scale = 0.0f;
    std::memcpy(&scale, &key.scale_bits, sizeof(scale));
    return scale;
}

/** validate -> operation graph -> heuristics (mode A, as TE and PyTorch) -> support check -> plans. */
void build_graph(fe::graph::Graph& graph, cudnnHandle_t handle) {
    check_fe(graph.validate(), "validate");
    check_fe(graph.build_operation_graph(handle), "build_operation_graph");
    check_fe(graph.create_execution_plans({fe::HeurMode_t::A}), "create_execution_plans");
    check_fe(graph.check_support(handle), "check_support");
    check_fe(graph.build_plans(handle), "build_plans");
}

std::shared_ptr<SdpaGraph> build_forward(const SdpaGraphKey& key, cudnnHandle_t handle) {
    auto result = std::make_shared<SdpaGraph>();
    auto graph = new_graph(key);
    const int64_t b = key.batch, hq = key.q_heads, hkv = key.kv_heads, sq = key.s_q, skv = key.s_kv, d = key.head_dim;
    auto q = input_tensor(*graph, "Q", kQ, b, hq, sq, d, key.strides[kSlotQ]);
    auto k = input_tensor(*graph, "K", kK, b, hkv, skv, d, key.strides[kSlotK]);
    auto v = input_tensor(*graph, "V", kV, b, hkv, skv, d, key.strides[kSlotV]);

    auto options = fe::graph::SDPA_attributes()
                       .set_name("ringattn_sdpa_forward")
                       .set_generate_stats(key.with_stats != 0)
                       .set_attn_scale(key_scale(key));
    apply_mask(options, key);

    auto [o, stats] = graph->sdpa(q, k, v, options);
    o->set_output(true).set_uid(kO).set_dim({b, hq, sq, d}).set_stride(stride_vector(key.strides[kSlotO]));
    if (key.with_stats) {
        // FLOAT must be set explicitly: in frontend 1.23 an unset Stats type inherits the io type while the
        // kernel writes fp32 (out-of-bounds writes). Packed [b, h, s_q, 1], as the backward requires.
        stats->set_output(true)
            .set_uid(kStats)
            .set_data_type(fe::DataType_t::FLOAT)
            .set_dim({b, hq, sq, 1})
            .set_stride({hq * sq, sq, 1, 1});
    }
    build_graph(*graph, handle);

    check_fe(graph->get_workspace_size(result->graph_workspace_bytes), "get_workspace_size");
    result->variant_pack = {{kQ, nullptr}, {kK, nullptr}, {kV, nullptr}, {kO, nullptr}};
    if (key.with_stats) result->variant_pack[kStats] = nullptr;
    result->graph = std::move(graph);
    return result;
}

std::shared_ptr<SdpaGraph> build_backward(const SdpaGraphKey& key, cudnnHandle_t handle) {
    auto result = std::make_shared<SdpaGraph>();
    auto graph = new_graph(key);
    const int64_t b = key.batch, hq = key.q_heads, hkv = key.kv_heads, sq = key.s_q, skv = key.s_kv, d = key.head_dim;
    auto q = input_tensor(*graph, "Q", kQ, b, hq, sq, d, key.strides[kSlotQ]);
    auto k = input_tensor(*graph, "K", kK, b, hkv, skv, d, key.strides[kSlotK]);
    auto v = input_tensor(*graph, "V", kV, b, hkv, skv, d, key.strides[kSlotV]);
    auto o = input_tensor(*graph, "O", kO, b, hq, sq, d, key.strides[kSlotO]);
    auto d_o = input_tensor(*graph, "dO", kDO, b, hq, sq, d, key.strides[kSlotDO]);
    auto stats = graph->tensor(fe::graph::Tensor_attributes()
                                   .set_name("Stats")
                                   .set_uid(kStats)
                                   .set_dim({b, hq, sq, 1})
                                   .set_stride({hq * sq, sq, 1, 1})
                                   .set_data_type(fe::DataType_t::FLOAT));

    auto options = fe::graph::SDPA_backward_attributes()
                       .set_name("ringattn_sdpa_backward")
                       .set_attn_scale(key_scale(key))
                       .set_deterministic_algorithm(key.deterministic != 0);
    apply_mask(options, key);

    auto [dq, dk, dv] = graph->sdpa_backward(q, k, v, o, d_o, stats, options);
    dq->set_output(true).set_uid(kDQ).set_dim({b, hq, sq, d}).set_stride(stride_vector(key.strides[kSlotDQ]));
    dk->set_output(true).set_uid(kDK).set_dim({b, hkv, skv, d}).set_stride(stride_vector(key.strides[kSlotDK]));
    dv->set_output(true).set_uid(kDV).set_dim({b, hkv, skv, d}).set_stride(stride_vector(key.strides[kSlotDV]));
    build_graph(*graph, handle);

    check_fe(graph->get_workspace_size(result->graph_workspace_bytes), "get_workspace_size");
    result->variant_pack = {{kQ, nullptr},     {kK, nullptr},  {kV, nullptr},  {kO, nullptr}, {kDO, nullptr},
                            {kStats, nullptr}, {kDQ, nullptr}, {kDK, nullptr}, {kDV, nullptr}};
    result->graph = std::move(graph);
    return result;
}

/** Looks the key up; builds and caches the graph on a miss. Call with ctx->mutex held, device current. */
std::shared_ptr<SdpaGraph> get_or_build(ringattn_context* ctx, const SdpaGraphKey& key) {
    if (auto cached = ctx->cache.find(key)) return cached;
    auto built = key.direction == static_cast<int32_t>(SdpaDirection::kForward) ? build_forward(key, ctx->handle)
                                                                                : build_backward(key, ctx->handle);
    ctx->cache.insert(key, built);
    return built;
}

/**
 * Returns the workspace to run with: the caller's (checked against `needed`) or the context's own,
 * grown if needed. Call with ctx->mutex held and the device current.
 */
void* select_workspace(ringattn_context* ctx, void* workspace, size_t workspace_bytes, size_t needed) {
    if (workspace != nullptr) {
        if (workspace_bytes < needed)
            fail(RINGATTN_STATUS_WORKSPACE_TOO_SMALL, "workspace of " + std::to_string(workspace_bytes) +
                                                          " bytes is smaller than the " + std::to_string(needed) +
                                                          " bytes this graph needs");
        require(reinterpret_cast<uintptr_t>(workspace) % 16 == 0, "workspace must be 16-byte aligned");
        return workspace;
    }
    if (needed == 0) return nullptr;
    ensure_context_workspace(ctx, needed);
    return ctx->workspace;
}

void execute(ringattn_context* ctx, SdpaGraph& entry, void* workspace, cudaStream_t stream) {
    cudnnStatus_t status = cudnnSetStream(ctx->handle, stream);
    if (status != CUDNN_STATUS_SUCCESS)
        fail(RINGATTN_STATUS_CUDNN_ERROR, std::string("cudnnSetStream failed: ") + cudnnGetErrorString(status));
    check_fe(entry.graph->execute(ctx->handle, entry.variant_pack, workspace), "execute");
}

SdpaGraphKey backward_key(int device, const ringattn_sdpa_bwd_desc* desc, float scale) {
    SdpaGraphKey key = make_key(SdpaDirection::kBackward, device, &desc->fwd, scale);
    key.deterministic = desc->fwd.deterministic != 0 ? 1 : 0;
    std::memcpy(key.strides[kSlotDO], desc->do_stride, sizeof(desc->do_stride));
    std::memcpy(key.strides[kSlotDQ], desc->dq_stride, sizeof(desc->dq_stride));
    std::memcpy(key.strides[kSlotDK], desc->dk_stride, sizeof(desc->dk_stride));
    std::memcpy(key.strides[kSlotDV], desc->dv_stride, sizeof(desc->dv_stride));
    return key;
}

float validate_bwd_desc(const ringattn_sdpa_bwd_desc* desc) {
    require_not_null(desc, "desc");
    const float scale = validate_desc(&desc->fwd);
    const int64_t* strides[4] = {desc->do_stride, desc->dq_stride, desc->dk_stride, desc->dv_stride};
    const char* names[4] = {"do_stride", "dq_stride", "dk_stride", "dv_stride"};
    for (int t = 0; t < 4; ++t) {
        for (int i = 0; i < 4; ++i) require(strides[t][i] >= 0, std::string(names[t]) + " must be >= 0");
        require(strides[t][3] == 1, std::string(names[t]) + "[3] (the d stride) must be 1");
    }
    for (int i = 0; i < 3; ++i) require(desc->lse_stride[i] >= 0, "lse_stride must be >= 0");
    return scale;
}

/** Bytes of the packed LSE scratch the backward appends to the graph workspace (0 if LSE is packed). */
size_t lse_scratch_bytes(const ringattn_sdpa_bwd_desc* desc) {
    if (lse_is_packed(desc)) return 0;
    return static_cast<size_t>(desc->fwd.batch * desc->fwd.q_heads * desc->fwd.s_q) * sizeof(float);
}

size_t backward_workspace_bytes(const SdpaGraph& entry, const ringattn_sdpa_bwd_desc* desc) {
    const size_t scratch = lse_scratch_bytes(desc);
    const size_t graph_bytes = static_cast<size_t>(entry.graph_workspace_bytes);
    return scratch == 0 ? graph_bytes : align_up(graph_bytes, kScratchAlignment) + scratch;
}

}  // namespace
}  // namespace ringattn

using namespace ringattn;

extern "C" {

RINGATTN_API int32_t ringattn_sdpa_forward_workspace_size(ringattn_context* ctx, const ringattn_sdpa_desc* desc,
                                                          int32_t with_lse, size_t* bytes) {
    RINGATTN_GUARDED({
        require_not_null(ctx, "ctx");
        require_not_null(bytes, "bytes");
        const float scale = validate_desc(desc);
        SdpaGraphKey key = make_key(SdpaDirection::kForward, ctx->device, desc, scale);
        key.with_stats = with_lse != 0 ? 1 : 0;
        std::lock_guard<std::mutex> lock(ctx->mutex);
        DeviceGuard device_guard(ctx->device);
        *bytes = static_cast<size_t>(get_or_build(ctx, key)->graph_workspace_bytes);
    });
}

RINGATTN_API int32_t ringattn_sdpa_forward(ringattn_context* ctx, const ringattn_sdpa_desc* desc, const void* q,
                                           const void* k, const void* v, void* o, float* lse, void* workspace,
                                           size_t workspace_bytes, ringattn_stream stream) {
    RINGATTN_GUARDED({
        require_not_null(ctx, "ctx");
        const float scale = validate_desc(desc);
        require_aligned(q, "q");
        require_aligned(k, "k");
        require_aligned(v, "v");
        require_aligned(o, "o");
        if (lse != nullptr) require_aligned(lse, "lse");
        SdpaGraphKey key = make_key(SdpaDirection::kForward, ctx->device, desc, scale);
        key.with_stats = lse != nullptr ? 1 : 0;

        std::lock_guard<std::mutex> lock(ctx->mutex);
        DeviceGuard device_guard(ctx->device);
        std::shared_ptr<SdpaGraph> entry = get_or_build(ctx, key);
        void* ws = select_workspace(ctx, workspace, workspace_bytes, static_cast<size_t>(entry->graph_workspace_bytes));
        auto& pack = entry->variant_pack;
        pack[kQ] = const_cast<void*>(q);
        pack[kK] = const_cast<void*>(k);
        pack[kV] = const_cast<void*>(v);
        pack[kO] = o;
        if (lse != nullptr) pack[kStats] = lse;
        execute(ctx, *entry, ws, static_cast<cudaStream_t>(stream));
    });
}

RINGATTN_API int32_t ringattn_sdpa_backward_workspace_size(ringattn_context* ctx, const ringattn_sdpa_bwd_desc* desc,
                                                           size_t* bytes) {
    RINGATTN_GUARDED({
        require_not_null(ctx, "ctx");
        require_not_null(bytes, "bytes");
        const float scale = validate_bwd_desc(desc);
        SdpaGraphKey key = backward_key(ctx->device, desc, scale);
        std::lock_guard<std::mutex> lock(ctx->mutex);
        DeviceGuard device_guard(ctx->device);
        *bytes = backward_workspace_bytes(*get_or_build(ctx, key), desc);
    });
}

RINGATTN_API int32_t ringattn_sdpa_backward(ringattn_context* ctx, const ringattn_sdpa_bwd_desc* desc, const void* q,
                                            const void* k, const void* v, const void* o, const void* d_o,
                                            const float* lse, void* dq, void* dk, void* dv, void* workspace,
                                            size_t workspace_bytes, ringattn_stream stream) {
    RINGATTN_GUARDED({
        require_not_null(ctx, "ctx");
        const float scale = validate_bwd_desc(desc);
        require_aligned(q, "q");
        require_aligned(k, "k");
        require_aligned(v, "v");
        require_aligned(o, "o");
        require_aligned(d_o, "d_o");
        require_aligned(dq, "dq");
        require_aligned(dk, "dk");
        require_aligned(dv, "dv");
        const bool packed = lse_is_packed(desc);
        if (packed) {
            require_aligned(lse, "lse");
        } else {
            require_not_null(lse, "lse");
        }
        SdpaGraphKey key = backward_key(ctx->device, desc, scale);

        std::lock_guard<std::mutex> lock(ctx->mutex);
        DeviceGuard device_guard(ctx->device);
        std::shared_ptr<SdpaGraph> entry = get_or_build(ctx, key);
        void* ws = select_workspace(ctx, workspace, workspace_bytes, backward_workspace_bytes(*entry, desc));
        cudaStream_t cuda_stream = static_cast<cudaStream_t>(stream);

        const float* stats = lse;
        if (!packed) {
            // cuDNN < 9.26 reads Stats as packed whatever its strides: pack it into the workspace tail first.
            float* scratch = reinterpret_cast<float*>(
                static_cast<char*>(ws) +
                align_up(static_cast<size_t>(entry->graph_workspace_bytes), kScratchAlignment));
            check_cuda(kernels::launch_lse_pack(lse, desc->lse_stride, scratch, desc->fwd.batch, desc->fwd.q_heads,
                                                desc->fwd.s_q, cuda_stream),
                       "lse_pack kernel launch");
            stats = scratch;
        }
        auto& pack = entry->variant_pack;
        pack[kQ] = const_cast<void*>(q);
        pack[kK] = const_cast<void*>(k);
        pack[kV] = const_cast<void*>(v);
        pack[kO] = const_cast<void*>(o);
        pack[kDO] = const_cast<void*>(d_o);
        pack[kStats] = const_cast<float*>(stats);
        pack[kDQ] = dq;
        pack[kDK] = dk;
        pack[kDV] = dv;
        execute(ctx, *entry, ws, cuda_stream);
    });
}

}  // extern "C"
