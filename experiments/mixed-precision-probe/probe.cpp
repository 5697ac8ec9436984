// Mixed-precision probe for cuDNN SDPA through cudnn-frontend's graph API.
//
// Question: does cuDNN accept bf16 Q/K/V (forward) and bf16 Q/K/V/O/dO (backward) while writing the
// outputs (O, or dQ/dK/dV) in fp16 -- and in fp32 -- and how accurate are those outputs?
//
// Why it matters: the ring-attention library sums one partial output per ring step in fp32. Each partial
// is rounded once to its storage type before the sum, so the storage type's unit roundoff enters the final
// error once per step. fp16 has 10 explicit mantissa bits against bf16's 7, so fp16 partials would make that
// contribution 8x smaller (the values here are O(1), far from fp16's range limits).
//
// What this program does, for a non-causal and a causal (top-left) mask:
//   * random bf16 inputs, float64 CPU reference of O, LSE, dQ, dK, dV;
//   * forward graphs with O in {BFLOAT16, HALF, FLOAT}, for each SDPA implementation choice (AUTO is what
//     the library's shim uses; COMPOSITE and UNIFIED are forced to see both cuDNN paths);
//   * backward graphs with dQ/dK/dV in {BFLOAT16, HALF, FLOAT}, non-deterministic and deterministic
//     (the frontend builds a different graph for each: dQ through an fp32 accumulator + identity, or not);
//   * every frontend failure is printed with its step, code and message, and the next variant runs;
//   * every output buffer is over-allocated and pre-filled with 0xFF bytes (a NaN in bf16, fp16 and fp32),
//     so elements the kernel never wrote show up as NaN and writes past the expected size (a kernel storing
//     a different element size than the graph says) show up as a damaged guard region.
// The process exits 0 whenever it got as far as running variants: the printed text is the result.
#include <cudnn_frontend.h>

#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace fe = cudnn_frontend;

namespace {

// ---------------------------------------------------------------------------------------------------------
// Problem size and layout
// ---------------------------------------------------------------------------------------------------------

constexpr int64_t kB = 1;    // batch
constexpr int64_t kH = 4;    // heads (q heads == kv heads)
constexpr int64_t kS = 256;  // s_q == s_kv
constexpr int64_t kD = 64;   // head dim
constexpr size_t kTensorElems = static_cast<size_t>(kB * kS * kH * kD);
constexpr size_t kStatsElems = static_cast<size_t>(kB * kH * kS);
const double kScale = 1.0 / std::sqrt(static_cast<double>(kD));

// Memory is BSHD-contiguous; the frontend wants dims and strides in logical [b, h, s, d] order.
const std::vector<int64_t> kDims = {kB, kH, kS, kD};
const std::vector<int64_t> kStrides = {kS * kH * kD, kD, kH * kD, 1};
// Stats (LSE) is packed [b, h, s, 1], as the backward requires.
const std::vector<int64_t> kStatsDims = {kB, kH, kS, 1};
const std::vector<int64_t> kStatsStrides = {kH * kS, kS, 1, 1};

inline size_t bshd(int64_t b, int64_t h, int64_t s, int64_t d) {
    return static_cast<size_t>(((b * kS + s) * kH + h) * kD + d);
}
inline size_t stats_index(int64_t b, int64_t h, int64_t s) { return static_cast<size_t>((b * kH + h) * kS + s); }

// Tensor uids, the same numbers the shim uses.
enum Uid : int64_t { kQ = 1, kK = 2, kV = 3, kO = 4, kStats = 5, kDO = 6, kDQ = 7, kDK = 8, kDV = 9 };

// ---------------------------------------------------------------------------------------------------------
// float <-> bf16 / fp16, round-to-nearest-even
// ---------------------------------------------------------------------------------------------------------

uint32_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof(u));
    return u;
}

float bits_float(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof(f));
    return f;
}

uint16_t float_to_bf16(float f) {
    uint32_t x = float_bits(f);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x0040u);  // quiet NaN
    // Add half an ulp of bf16, plus one if the kept lsb is odd (ties to even); overflow carries into inf.
    x += 0x7FFFu + ((x >> 16) & 1u);
    return static_cast<uint16_t>(x >> 16);
}

float bf16_to_float(uint16_t h) { return bits_float(static_cast<uint32_t>(h) << 16); }

uint16_t float_to_half(float f) {
    const uint32_t x = float_bits(f);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7FFFFFFFu;
    if (ax > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u);  // NaN
    if (ax >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 65520 rounds to inf
    if (ax < 0x38800000u) {
        // Below 2^-14: fp16 subnormal (or zero) with unit 2^-24. Scaling by 2^24 is exact, nearbyint rounds to
        // nearest even in the default rounding mode; a result of 1024 is exactly the smallest normal's encoding.
        const float q = std::nearbyint(bits_float(ax) * 16777216.0f);
        return static_cast<uint16_t>(sign | static_cast<uint16_t>(q));
    }
    // Normal: drop 13 mantissa bits with ties-to-even, re-bias the exponent from 127 to 15 (a mantissa carry
    // correctly bumps the exponent).
    ax += 0x0FFFu + ((ax >> 13) & 1u);
    return static_cast<uint16_t>(sign | ((ax >> 13) - ((127u - 15u) << 10)));
}

float half_to_float(uint16_t h) {
    const uint32_t sign = (static_cast<uint32_t>(h) & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1Fu;
    const uint32_t mant = h & 0x3FFu;
    if (exp == 0) {
        const float v = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal, exact in float
        return sign ? -v : v;
    }
    if (exp == 31) return bits_float(sign | 0x7F800000u | (mant << 13));  // inf / NaN
    return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

// ---------------------------------------------------------------------------------------------------------
// Data types under test
// ---------------------------------------------------------------------------------------------------------

const char* dtype_name(fe::DataType_t t) {
    switch (t) {
        case fe::DataType_t::BFLOAT16: return "BF16";
        case fe::DataType_t::HALF: return "HALF";
        case fe::DataType_t::FLOAT: return "FLOAT";
        default: return "?";
    }
}

size_t dtype_size(fe::DataType_t t) { return t == fe::DataType_t::FLOAT ? 4 : 2; }

/** Decodes element i of a host copy of a device buffer holding `t`. */
double decode(fe::DataType_t t, const std::vector<uint8_t>& bytes, size_t i) {
    if (t == fe::DataType_t::FLOAT) {
        float f;
        std::memcpy(&f, bytes.data() + 4 * i, 4);
        return f;
    }
    uint16_t h;
    std::memcpy(&h, bytes.data() + 2 * i, 2);
    return t == fe::DataType_t::HALF ? half_to_float(h) : bf16_to_float(h);
}

/** The value `x` would have after being stored in `t` (via float; double rounding is immaterial here). */
double round_to(fe::DataType_t t, double x) {
    const float f = static_cast<float>(x);
    if (t == fe::DataType_t::HALF) return half_to_float(float_to_half(f));
    if (t == fe::DataType_t::BFLOAT16) return bf16_to_float(float_to_bf16(f));
    return f;
}

// ---------------------------------------------------------------------------------------------------------
// CUDA helpers. Errors throw, so one variant's failure (even a sticky one) is reported, not fatal.
// ---------------------------------------------------------------------------------------------------------

void check_cuda(cudaError_t e, const char* what) {
    if (e != cudaSuccess)
        throw std::runtime_error(std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

class DeviceBuffer {
   public:
    explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
        if (bytes_ > 0) check_cuda(cudaMalloc(&ptr_, bytes_), "cudaMalloc");
    }
    ~DeviceBuffer() {
        if (ptr_ != nullptr) cudaFree(ptr_);
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* get() const { return ptr_; }
    size_t bytes() const { return bytes_; }

   private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

template <class T>
std::unique_ptr<DeviceBuffer> upload(const std::vector<T>& host) {
    auto buffer = std::make_unique<DeviceBuffer>(host.size() * sizeof(T));
    check_cuda(cudaMemcpy(buffer->get(), host.data(), buffer->bytes(), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
    return buffer;
}

/**
 * An output buffer of n elements of `dtype`, allocated at 8 bytes per element (twice the largest element size)
 * and filled with 0xFF bytes. Unwritten elements then read as NaN, and the tail past n * sizeof(dtype) must
 * still be 0xFF after execution, or the kernel stored a different element size than the graph declared.
 */
struct OutputBuffer {
    OutputBuffer(size_t n_, fe::DataType_t dtype_) : n(n_), dtype(dtype_), buffer(n_ * 8) {
        check_cuda(cudaMemset(buffer.get(), 0xFF, buffer.bytes()), "cudaMemset");
    }
    std::vector<uint8_t> download() const {
        std::vector<uint8_t> host(buffer.bytes());
        check_cuda(cudaMemcpy(host.data(), buffer.get(), host.size(), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
        return host;
    }
    size_t n;
    fe::DataType_t dtype;
    DeviceBuffer buffer;
};

// ---------------------------------------------------------------------------------------------------------
// Inputs and float64 reference
// ---------------------------------------------------------------------------------------------------------

struct BfTensor {
    std::vector<uint16_t> bits;  // what goes to the GPU
    std::vector<double> value;   // the same numbers, exactly, for the reference
};

BfTensor random_bf16(std::mt19937_64& rng, size_t n) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    BfTensor t;
    t.bits.resize(n);
    t.value.resize(n);
    for (size_t i = 0; i < n; ++i) {
        t.bits[i] = float_to_bf16(dist(rng));
        t.value[i] = bf16_to_float(t.bits[i]);
    }
    return t;
}

struct Inputs {
    BfTensor q, k, v, d_o;
};

struct Reference {
    std::vector<double> o, lse;  // forward, exact
    BfTensor o_in;               // O rounded to bf16: the backward's O input
    std::vector<float> lse_in;   // LSE rounded to fp32: the backward's Stats input
    std::vector<double> dq, dk, dv;
};

/**
 * Straightforward O(S^2) float64 attention. Forward: O and LSE (natural log, of the scaled scores, as cuDNN's
 * Stats). Backward: from the inputs the GPU backward actually receives (bf16 O, fp32 LSE), so the comparison
 * measures the kernel and its output rounding only -- D_i = rowsum(dO * O) uses the bf16 O like the kernel.
 */
Reference compute_reference(const Inputs& in, bool causal) {
    Reference r;
    r.o.assign(kTensorElems, 0.0);
    r.lse.assign(kStatsElems, 0.0);
    std::vector<double> score(static_cast<size_t>(kS));
    for (int64_t b = 0; b < kB; ++b)
        for (int64_t h = 0; h < kH; ++h)
            for (int64_t i = 0; i < kS; ++i) {
                const int64_t j_end = causal ? i + 1 : kS;  // top-left causal: key j visible iff j <= i
                double m = -INFINITY;
                for (int64_t j = 0; j < j_end; ++j) {
                    double dot = 0.0;
                    for (int64_t d = 0; d < kD; ++d) dot += in.q.value[bshd(b, h, i, d)] * in.k.value[bshd(b, h, j, d)];
                    score[j] = kScale * dot;
                    m = std::max(m, score[j]);
                }
                double l = 0.0;
                for (int64_t j = 0; j < j_end; ++j) l += std::exp(score[j] - m);
                const double lse = m + std::log(l);
                r.lse[stats_index(b, h, i)] = lse;
                for (int64_t j = 0; j < j_end; ++j) {
                    const double p = std::exp(score[j] - lse);
                    for (int64_t d = 0; d < kD; ++d) r.o[bshd(b, h, i, d)] += p * in.v.value[bshd(b, h, j, d)];
                }
            }

    r.o_in.bits.resize(kTensorElems);
    r.o_in.value.resize(kTensorElems);
    for (size_t i = 0; i < kTensorElems; ++i) {
        r.o_in.bits[i] = float_to_bf16(static_cast<float>(r.o[i]));
        r.o_in.value[i] = bf16_to_float(r.o_in.bits[i]);
    }
    r.lse_in.resize(kStatsElems);
    for (size_t i = 0; i < kStatsElems; ++i) r.lse_in[i] = static_cast<float>(r.lse[i]);

    r.dq.assign(kTensorElems, 0.0);
    r.dk.assign(kTensorElems, 0.0);
    r.dv.assign(kTensorElems, 0.0);
    for (int64_t b = 0; b < kB; ++b)
        for (int64_t h = 0; h < kH; ++h)
            for (int64_t i = 0; i < kS; ++i) {
                double d_i = 0.0;  // D_i = rowsum(dO_i * O_i)
                for (int64_t d = 0; d < kD; ++d) d_i += in.d_o.value[bshd(b, h, i, d)] * r.o_in.value[bshd(b, h, i, d)];
                const double lse = r.lse_in[stats_index(b, h, i)];
                const int64_t j_end = causal ? i + 1 : kS;
                for (int64_t j = 0; j < j_end; ++j) {
                    double qk = 0.0, dp = 0.0;
                    for (int64_t d = 0; d < kD; ++d) {
                        qk += in.q.value[bshd(b, h, i, d)] * in.k.value[bshd(b, h, j, d)];
                        dp += in.d_o.value[bshd(b, h, i, d)] * in.v.value[bshd(b, h, j, d)];
                    }
                    const double p = std::exp(kScale * qk - lse);
                    const double ds = p * (dp - d_i);  // gradient w.r.t. the scaled score
                    for (int64_t d = 0; d < kD; ++d) {
                        r.dq[bshd(b, h, i, d)] += kScale * ds * in.k.value[bshd(b, h, j, d)];
                        r.dk[bshd(b, h, j, d)] += kScale * ds * in.q.value[bshd(b, h, i, d)];
                        r.dv[bshd(b, h, j, d)] += p * in.d_o.value[bshd(b, h, i, d)];
                    }
                }
            }
    return r;
}

// ---------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------

struct TensorReport {
    std::string name;
    double rel_l2 = NAN;  // ||x - ref||_2 / ||ref||_2
    double max_abs = NAN;
    double floor = NAN;  // rel_l2 of the reference merely rounded to the output type
    size_t nan = 0, inf = 0;
    bool guard_ok = true;
    std::string diagnosis;  // for a wrong result: what the bytes look like read another way
};

// A relative error above this is not rounding (bf16 rounding alone is ~2e-3 here): the output is wrong.
constexpr double kWrongRelL2 = 0.05;

/** rel_l2 of the first n 16-bit words of `bytes` read as `as` (BF16 or HALF), against ref. */
double rel_l2_as_16bit(const std::vector<uint8_t>& bytes, size_t n, fe::DataType_t as, const std::vector<double>& ref) {
    double err2 = 0.0, ref2 = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double e = decode(as, bytes, i) - ref[i];
        err2 += e * e;
        ref2 += ref[i] * ref[i];
    }
    return std::sqrt(err2) / std::sqrt(ref2);
}

struct Result {
    std::string dir, mask, variant;
    fe::DataType_t dtype = fe::DataType_t::NOT_SET;
    bool ok = false;
    std::string failure;
    std::string plan;
    std::vector<TensorReport> tensors;
};

TensorReport compare(const char* name, const OutputBuffer& out, const std::vector<double>& ref) {
    TensorReport t;
    t.name = name;
    const std::vector<uint8_t> bytes = out.download();
    double err2 = 0.0, ref2 = 0.0, floor2 = 0.0, max_abs = 0.0;
    for (size_t i = 0; i < out.n; ++i) {
        const double x = decode(out.dtype, bytes, i);
        if (std::isnan(x)) ++t.nan;
        if (std::isinf(x)) ++t.inf;
        const double e = x - ref[i];
        err2 += e * e;
        ref2 += ref[i] * ref[i];
        const double fe_ = round_to(out.dtype, ref[i]) - ref[i];
        floor2 += fe_ * fe_;
        max_abs = std::max(max_abs, std::fabs(e));  // std::max drops NaN; nan count reports those
    }
    t.rel_l2 = std::sqrt(err2) / std::sqrt(ref2);
    t.max_abs = max_abs;
    t.floor = std::sqrt(floor2) / std::sqrt(ref2);
    for (size_t i = out.n * dtype_size(out.dtype); i < bytes.size(); ++i)
        if (bytes[i] != 0xFF) {
            t.guard_ok = false;
            break;
        }
    if (!(t.rel_l2 <= kWrongRelL2)) {
        // Wrong (or NaN): say whether the kernel wrote n elements of a 16-bit type other than the declared one,
        // i.e. whether the buffer's first n 16-bit words decode to the reference as BF16 or as HALF.
        char buf[512];
        std::snprintf(buf, sizeof(buf),
                      "first n 16-bit words read as BF16: rel_l2=%.3e, as HALF: rel_l2=%.3e; "
                      "x[0..2]=%.4g %.4g %.4g vs ref %.4g %.4g %.4g",
                      rel_l2_as_16bit(bytes, out.n, fe::DataType_t::BFLOAT16, ref),
                      rel_l2_as_16bit(bytes, out.n, fe::DataType_t::HALF, ref), decode(out.dtype, bytes, 0),
                      decode(out.dtype, bytes, 1), decode(out.dtype, bytes, 2), ref[0], ref[1], ref[2]);
        t.diagnosis = buf;
    }
    return t;
}

void print_tensor_line(const Result& r, const TensorReport& t) {
    std::printf("  %-3s mask=%-6s %-16s out=%-5s %-3s rel_l2=%.3e  max_abs=%.3e  floor(round ref to %s)=%.3e  "
                "nan=%zu inf=%zu guard=%s\n",
                r.dir.c_str(), r.mask.c_str(), r.variant.c_str(), dtype_name(r.dtype), t.name.c_str(), t.rel_l2,
                t.max_abs, dtype_name(r.dtype), t.floor, t.nan, t.inf, t.guard_ok ? "ok" : "OVERWRITTEN");
    if (!t.diagnosis.empty()) std::printf("      WRONG: %s\n", t.diagnosis.c_str());
}

// ---------------------------------------------------------------------------------------------------------
// Frontend helpers
// ---------------------------------------------------------------------------------------------------------

/** A failed frontend step, carrying the step name, error code and message. */
struct FeFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void check_fe(fe::error_t e, const char* step) {
    if (e.is_good()) return;
    std::ostringstream os;
    os << step << " failed: code " << static_cast<int>(e.get_code()) << " " << e.get_code() << ": "
       << e.get_message();
    throw FeFailure(os.str());
}

std::shared_ptr<fe::graph::Graph> new_graph() {
    // io type bf16 (inputs); outputs override their own type below. fp32 intermediates/compute, as the shim.
    auto graph = std::make_shared<fe::graph::Graph>();
    graph->set_io_data_type(fe::DataType_t::BFLOAT16)
        .set_intermediate_data_type(fe::DataType_t::FLOAT)
        .set_compute_data_type(fe::DataType_t::FLOAT);
    return graph;
}

std::shared_ptr<fe::graph::Tensor_attributes> bf16_input(fe::graph::Graph& graph, const char* name, Uid uid) {
    return graph.tensor(fe::graph::Tensor_attributes()
                            .set_name(name)
                            .set_uid(uid)
                            .set_dim(kDims)
                            .set_stride(kStrides)
                            .set_data_type(fe::DataType_t::BFLOAT16));
}

template <class Attributes>
void apply_mask(Attributes& options, bool causal) {
    // Same setters as the shim: top-left diagonal, nothing to the right of it.
    if (causal) options.set_diagonal_alignment(fe::DiagonalAlignment_t::TOP_LEFT).set_diagonal_band_right_bound(0);
}

/** validate -> operation graph -> heuristics mode A -> support check -> plans, as the shim does. */
void build(fe::graph::Graph& graph, cudnnHandle_t handle, std::string& plan_name) {
    check_fe(graph.validate(), "validate");
    check_fe(graph.build_operation_graph(handle), "build_operation_graph");
    check_fe(graph.create_execution_plans({fe::HeurMode_t::A}), "create_execution_plans");
    check_fe(graph.check_support(handle), "check_support");
    check_fe(graph.build_plans(handle), "build_plans");
    if (graph.get_plan_name(plan_name).is_bad()) plan_name = "?";
}

void execute(fe::graph::Graph& graph, cudnnHandle_t handle, std::unordered_map<int64_t, void*>& pack) {
    int64_t workspace_bytes = 0;
    check_fe(graph.get_workspace_size(workspace_bytes), "get_workspace_size");
    DeviceBuffer workspace(static_cast<size_t>(workspace_bytes));
    check_fe(graph.execute(handle, pack, workspace.get()), "execute");
    check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize after execute");
    check_cuda(cudaGetLastError(), "cudaGetLastError after execute");
}

const char* impl_name(fe::AttentionImplementation_t impl) {
    switch (impl) {
        case fe::AttentionImplementation_t::AUTO: return "AUTO";
        case fe::AttentionImplementation_t::COMPOSITE: return "COMPOSITE";
        case fe::AttentionImplementation_t::UNIFIED: return "UNIFIED";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------------------------
// Variants
// ---------------------------------------------------------------------------------------------------------

struct DeviceInputs {
    std::unique_ptr<DeviceBuffer> q, k, v, d_o;  // shared by all variants
    std::unique_ptr<DeviceBuffer> o_in, lse_in;  // per mask (backward inputs)
};

Result run_forward(cudnnHandle_t handle, const DeviceInputs& dev, const Reference& ref, bool causal,
                   fe::AttentionImplementation_t impl, fe::DataType_t out_type) {
    Result r;
    r.dir = "fwd";
    r.mask = causal ? "causal" : "none";
    r.variant = std::string("impl=") + impl_name(impl);
    r.dtype = out_type;
    const char* stage = "graph construction";
    try {
        auto graph = new_graph();
        auto q = bf16_input(*graph, "Q", kQ);
        auto k = bf16_input(*graph, "K", kK);
        auto v = bf16_input(*graph, "V", kV);
        auto options = fe::graph::SDPA_attributes()
                           .set_name("probe_sdpa_forward")
                           .set_generate_stats(true)
                           .set_attn_scale(static_cast<float>(kScale))
                           .set_implementation(impl);
        apply_mask(options, causal);
        auto [o, stats] = graph->sdpa(q, k, v, options);
        // The thing under test: O's type differs from the bf16 io type.
        o->set_output(true).set_uid(kO).set_dim(kDims).set_stride(kStrides).set_data_type(out_type);
        // Stats FLOAT explicitly (an unset type inherits the io type in frontend 1.23 while the kernel writes fp32).
        stats->set_output(true)
            .set_uid(kStats)
            .set_dim(kStatsDims)
            .set_stride(kStatsStrides)
            .set_data_type(fe::DataType_t::FLOAT);

        stage = "build";
        build(*graph, handle, r.plan);

        stage = "execute";
        OutputBuffer o_out(kTensorElems, out_type);
        OutputBuffer lse_out(kStatsElems, fe::DataType_t::FLOAT);
        std::unordered_map<int64_t, void*> pack = {{kQ, dev.q->get()},         {kK, dev.k->get()},
                                                   {kV, dev.v->get()},         {kO, o_out.buffer.get()},
                                                   {kStats, lse_out.buffer.get()}};
        execute(*graph, handle, pack);

        stage = "compare";
        r.tensors.push_back(compare("O", o_out, ref.o));
        r.tensors.push_back(compare("LSE", lse_out, ref.lse));
        r.ok = true;
    } catch (const FeFailure& e) {
        r.failure = e.what();
    } catch (const std::exception& e) {
        r.failure = std::string(stage) + ": exception: " + e.what();
    }
    return r;
}

Result run_backward(cudnnHandle_t handle, const DeviceInputs& dev, const Reference& ref, bool causal,
                    bool deterministic, fe::DataType_t out_type) {
    Result r;
    r.dir = "bwd";
    r.mask = causal ? "causal" : "none";
    r.variant = deterministic ? "deterministic" : "nondeterministic";
    r.dtype = out_type;
    const char* stage = "graph construction";
    try {
        auto graph = new_graph();
        auto q = bf16_input(*graph, "Q", kQ);
        auto k = bf16_input(*graph, "K", kK);
        auto v = bf16_input(*graph, "V", kV);
        auto o = bf16_input(*graph, "O", kO);
        auto d_o = bf16_input(*graph, "dO", kDO);
        auto stats = graph->tensor(fe::graph::Tensor_attributes()
                                       .set_name("Stats")
                                       .set_uid(kStats)
                                       .set_dim(kStatsDims)
                                       .set_stride(kStatsStrides)
                                       .set_data_type(fe::DataType_t::FLOAT));
        auto options = fe::graph::SDPA_backward_attributes()
                           .set_name("probe_sdpa_backward")
                           .set_attn_scale(static_cast<float>(kScale))
                           .set_deterministic_algorithm(deterministic);
        apply_mask(options, causal);
        auto [dq, dk, dv] = graph->sdpa_backward(q, k, v, o, d_o, stats, options);
        // The thing under test: gradient types differ from the bf16 io type.
        dq->set_output(true).set_uid(kDQ).set_dim(kDims).set_stride(kStrides).set_data_type(out_type);
        dk->set_output(true).set_uid(kDK).set_dim(kDims).set_stride(kStrides).set_data_type(out_type);
        dv->set_output(true).set_uid(kDV).set_dim(kDims).set_stride(kStrides).set_data_type(out_type);

        stage = "build";
        build(*graph, handle, r.plan);

        stage = "execute";
        OutputBuffer dq_out(kTensorElems, out_type);
        OutputBuffer dk_out(kTensorElems, out_type);
        OutputBuffer dv_out(kTensorElems, out_type);
        std::unordered_map<int64_t, void*> pack = {
            {kQ, dev.q->get()},       {kK, dev.k->get()},          {kV, dev.v->get()},
            {kO, dev.o_in->get()},    {kDO, dev.d_o->get()},       {kStats, dev.lse_in->get()},
            {kDQ, dq_out.buffer.get()}, {kDK, dk_out.buffer.get()}, {kDV, dv_out.buffer.get()}};
        execute(*graph, handle, pack);

        stage = "compare";
        r.tensors.push_back(compare("dQ", dq_out, ref.dq));
        r.tensors.push_back(compare("dK", dk_out, ref.dk));
        r.tensors.push_back(compare("dV", dv_out, ref.dv));
        r.ok = true;
    } catch (const FeFailure& e) {
        r.failure = e.what();
    } catch (const std::exception& e) {
        r.failure = std::string(stage) + ": exception: " + e.what();
    }
    return r;
}

void report(const Result& r) {
    if (!r.ok) {
        std::printf("  %-3s mask=%-6s %-16s out=%-5s FAILED: %s\n", r.dir.c_str(), r.mask.c_str(), r.variant.c_str(),
                    dtype_name(r.dtype), r.failure.c_str());
        std::fflush(stdout);
        return;
    }
    std::printf("  %-3s mask=%-6s %-16s out=%-5s plan=%s\n", r.dir.c_str(), r.mask.c_str(), r.variant.c_str(),
                dtype_name(r.dtype), r.plan.c_str());
    for (const auto& t : r.tensors) print_tensor_line(r, t);
    std::fflush(stdout);
}

/** One-word health of a successful result: clean, or what is wrong with its numbers. */
std::string health(const Result& r) {
    if (!r.ok) return "FAILED";
    size_t nan = 0, inf = 0;
    bool guard = true;
    std::string wrong;
    for (const auto& t : r.tensors) {
        nan += t.nan;
        inf += t.inf;
        guard = guard && t.guard_ok;
        if (!(t.rel_l2 <= kWrongRelL2)) wrong += (wrong.empty() ? "" : ",") + t.name;
    }
    if (!guard) return "GUARD-OVERWRITTEN";
    if (nan > 0 || inf > 0) return "NAN/INF(" + std::to_string(nan + inf) + ")";
    if (!wrong.empty()) return "WRONG:" + wrong;
    return "ok";
}

const TensorReport* find_tensor(const Result& r, const std::string& name) {
    for (const auto& t : r.tensors)
        if (t.name == name) return &t;
    return nullptr;
}

const Result* find_result(const std::vector<Result>& all, const Result& like, fe::DataType_t dtype) {
    for (const auto& r : all)
        if (r.dir == like.dir && r.mask == like.mask && r.variant == like.variant && r.dtype == dtype) return &r;
    return nullptr;
}

void print_summary(const std::vector<Result>& results) {
    std::printf("\n==== SUMMARY: relative L2 error vs float64 reference (floor = reference rounded to the output "
                "type) ====\n");
    std::printf("%-3s %-6s %-16s %-5s %-18s  %-21s %-21s %-21s %s\n", "dir", "mask", "variant", "out", "status",
                "O|dQ  (floor)", "LSE|dK (floor)", "-|dV  (floor)", "failure / plan");
    for (const auto& r : results) {
        std::string cols[3];
        for (size_t i = 0; i < 3 && i < r.tensors.size(); ++i) {
            char buf[64];
            std::snprintf(buf, sizeof(buf), "%.2e (%.1e)", r.tensors[i].rel_l2, r.tensors[i].floor);
            cols[i] = buf;
        }
        std::printf("%-3s %-6s %-16s %-5s %-18s  %-21s %-21s %-21s %s\n", r.dir.c_str(), r.mask.c_str(),
                    r.variant.c_str(), dtype_name(r.dtype), health(r).c_str(), cols[0].c_str(), cols[1].c_str(),
                    cols[2].c_str(), r.ok ? r.plan.c_str() : r.failure.c_str());
    }

    // The number the question is about: how much smaller the error of a HALF output is than a BF16 one.
    std::printf("\n==== error(BF16 output) / error(HALF output), same graph otherwise (8x is the ideal from 3 more "
                "mantissa bits) ====\n");
    for (const auto& r : results) {
        if (r.dtype != fe::DataType_t::BFLOAT16) continue;
        const Result* half = find_result(results, r, fe::DataType_t::HALF);
        std::printf("%-3s %-6s %-16s ", r.dir.c_str(), r.mask.c_str(), r.variant.c_str());
        if (!r.ok || half == nullptr || !half->ok) {
            std::printf("n/a (BF16 %s, HALF %s)\n", health(r).c_str(), half ? health(*half).c_str() : "missing");
            continue;
        }
        for (const auto& t : r.tensors) {
            if (t.name == "LSE") continue;  // LSE is fp32 in both
            const TensorReport* h = find_tensor(*half, t.name);
            if (h == nullptr) continue;
            if (h->rel_l2 <= kWrongRelL2)
                std::printf(" %s: %.2fx", t.name.c_str(), t.rel_l2 / h->rel_l2);
            else
                std::printf(" %s: HALF WRONG", t.name.c_str());
        }
        std::printf("   (HALF %s)\n", health(*half).c_str());
    }
}

}  // namespace

int main() {
    std::printf("cuDNN SDPA mixed-precision probe: bf16 inputs, outputs in BF16 / HALF / FLOAT\n");
    std::printf("problem: B=%lld H=%lld S_q=S_kv=%lld D=%lld, BSHD-contiguous, scale=1/sqrt(D)=%.6f\n",
                static_cast<long long>(kB), static_cast<long long>(kH), static_cast<long long>(kS),
                static_cast<long long>(kD), kScale);

    cudnnHandle_t handle = nullptr;
    DeviceInputs dev;
    std::vector<Result> results;
    try {
        int device_count = 0;
        check_cuda(cudaGetDeviceCount(&device_count), "cudaGetDeviceCount");
        if (device_count == 0) throw std::runtime_error("no CUDA device");
        check_cuda(cudaSetDevice(0), "cudaSetDevice");
        cudaDeviceProp prop{};
        check_cuda(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
        int runtime_version = 0, driver_version = 0;
        check_cuda(cudaRuntimeGetVersion(&runtime_version), "cudaRuntimeGetVersion");
        check_cuda(cudaDriverGetVersion(&driver_version), "cudaDriverGetVersion");
        std::printf("device: %s (sm_%d%d), CUDA runtime %d, driver %d\n", prop.name, prop.major, prop.minor,
                    runtime_version, driver_version);
        std::printf("cuDNN: compiled against %d, loaded %zu; cudnn-frontend %d.%d.%d\n", CUDNN_VERSION,
                    cudnnGetVersion(), CUDNN_FRONTEND_MAJOR_VERSION, CUDNN_FRONTEND_MINOR_VERSION,
                    CUDNN_FRONTEND_PATCH_VERSION);
        const cudnnStatus_t status = cudnnCreate(&handle);
        if (status != CUDNN_STATUS_SUCCESS)
            throw std::runtime_error(std::string("cudnnCreate: ") + cudnnGetErrorString(status));

        std::mt19937_64 rng(20240601);
        Inputs in;
        in.q = random_bf16(rng, kTensorElems);
        in.k = random_bf16(rng, kTensorElems);
        in.v = random_bf16(rng, kTensorElems);
        in.d_o = random_bf16(rng, kTensorElems);
        dev.q = upload(in.q.bits);
        dev.k = upload(in.k.bits);
        dev.v = upload(in.v.bits);
        dev.d_o = upload(in.d_o.bits);

        const fe::DataType_t out_types[] = {fe::DataType_t::BFLOAT16, fe::DataType_t::HALF, fe::DataType_t::FLOAT};
        const fe::AttentionImplementation_t impls[] = {fe::AttentionImplementation_t::AUTO,
                                                       fe::AttentionImplementation_t::COMPOSITE,
                                                       fe::AttentionImplementation_t::UNIFIED};
        for (const bool causal : {false, true}) {
            std::printf("\n---- mask=%s ----\n", causal ? "causal (top-left)" : "none");
            const Reference ref = compute_reference(in, causal);
            dev.o_in = upload(ref.o_in.bits);
            dev.lse_in = upload(ref.lse_in);
            for (const auto impl : impls)
                for (const auto out : out_types) {
                    results.push_back(run_forward(handle, dev, ref, causal, impl, out));
                    report(results.back());
                }
            for (const bool deterministic : {false, true})
                for (const auto out : out_types) {
                    results.push_back(run_backward(handle, dev, ref, causal, deterministic, out));
                    report(results.back());
                }
        }
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "probe setup failed: %s\n", e.what());
        if (results.empty()) return 2;  // nothing was measured: a real failure of the probe itself
    }

    print_summary(results);
    if (handle != nullptr) cudnnDestroy(handle);
    return 0;
}
