// ringattn_shim_bench: the shim's SDPA forward against a direct cudnn-frontend call built in this binary
// with the same graph settings (bf16, B=1, H=16, S=8192, D=128, causal top-left, BSHD, fp32 Stats, heuristics
// mode A). Both run on the same buffers; each of 20 timed runs per side (after warm-up) is bracketed by CUDA
// events, and the medians give ms and TFLOP/s (4*B*H*S^2*D, halved for causal). Prints one machine-readable
// line ("RINGATTN_BENCH {json}") and writes the same JSON to the file given by --json (default
// shim-bench.json). The done-when criterion of the shim is shim TFLOP/s >= 95% of the direct call's.
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <cudnn_frontend.h>
#include <nccl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "ringattn_shim.h"

namespace fe = cudnn_frontend;

namespace {

#define BENCH_CHECK_CUDA(call)                                                      \
    do {                                                                            \
        cudaError_t e_ = (call);                                                    \
        if (e_ != cudaSuccess) {                                                    \
            std::fprintf(stderr, "%s failed: %s\n", #call, cudaGetErrorString(e_)); \
            std::exit(2);                                                           \
        }                                                                           \
    } while (0)

#define BENCH_CHECK_SHIM(call)                                                              \
    do {                                                                                    \
        int32_t s_ = (call);                                                                \
        if (s_ != RINGATTN_STATUS_OK) {                                                     \
            std::fprintf(stderr, "%s failed (%d): %s\n", #call, s_, ringattn_last_error()); \
            std::exit(2);                                                                   \
        }                                                                                   \
    } while (0)

#define BENCH_CHECK_FE(call)                                                          \
    do {                                                                              \
        auto r_ = (call);                                                             \
        if (!r_.is_good()) {                                                          \
            std::fprintf(stderr, "%s failed: %s\n", #call, r_.get_message().c_str()); \
            std::exit(2);                                                             \
        }                                                                             \
    } while (0)

// Same uids as src/sdpa.cpp.
constexpr int64_t kQ = 1, kK = 2, kV = 3, kO = 4, kStats = 5;

/** The graph the shim builds for this descriptor, written out directly (see build_forward in sdpa.cpp). */
std::shared_ptr<fe::graph::Graph> direct_graph(cudnnHandle_t handle, int64_t b, int64_t h, int64_t s, int64_t d,
                                               float scale) {
    auto graph = std::make_shared<fe::graph::Graph>();
    graph->set_io_data_type(fe::DataType_t::BFLOAT16)
        .set_intermediate_data_type(fe::DataType_t::FLOAT)
        .set_compute_data_type(fe::DataType_t::FLOAT);
    const std::vector<int64_t> dims = {b, h, s, d};
    const std::vector<int64_t> bshd = {s * h * d, d, h * d, 1};
    auto q = graph->tensor(fe::graph::Tensor_attributes().set_name("Q").set_uid(kQ).set_dim(dims).set_stride(bshd));
    auto k = graph->tensor(fe::graph::Tensor_attributes().set_name("K").set_uid(kK).set_dim(dims).set_stride(bshd));
    auto v = graph->tensor(fe::graph::Tensor_attributes().set_name("V").set_uid(kV).set_dim(dims).set_stride(bshd));
    auto options = fe::graph::SDPA_attributes()
                       .set_name("direct_sdpa_forward")
                       .set_generate_stats(true)
                       .set_attn_scale(scale)
                       .set_diagonal_alignment(fe::DiagonalAlignment_t::TOP_LEFT)
                       .set_diagonal_band_right_bound(0);
    auto [o, stats] = graph->sdpa(q, k, v, options);
    o->set_output(true).set_uid(kO).set_dim(dims).set_stride(bshd);
    stats->set_output(true)
        .set_uid(kStats)
        .set_data_type(fe::DataType_t::FLOAT)
        .set_dim({b, h, s, 1})
        .set_stride({h * s, s, 1, 1});
    BENCH_CHECK_FE(graph->validate());
    BENCH_CHECK_FE(graph->build_operation_graph(handle));
    BENCH_CHECK_FE(graph->create_execution_plans({fe::HeurMode_t::A}));
    BENCH_CHECK_FE(graph->check_support(handle));
    BENCH_CHECK_FE(graph->build_plans(handle));
    return graph;
}

double median(std::vector<float> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out;
}

std::string nvidia_driver_version() {
    std::ifstream f("/proc/driver/nvidia/version");
    std::string line;
    if (!std::getline(f, line)) return "";
    // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.xx.yy  <date>": take the first dotted number.
    for (size_t i = 0; i < line.size(); ++i) {
        if (std::isdigit(static_cast<unsigned char>(line[i])) && line.find('.', i) != std::string::npos) {
            size_t j = i;
            while (j < line.size() && (std::isdigit(static_cast<unsigned char>(line[j])) || line[j] == '.')) ++j;
            std::string token = line.substr(i, j - i);
            if (std::count(token.begin(), token.end(), '.') >= 1 && token.size() >= 5) return token;
            i = j;
        }
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    std::string json_path = "shim-bench.json";
    int64_t B = 1, H = 16, S = 8192, D = 128;
    int runs = 20, warmup = 5;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--json" && i + 1 < argc)
            json_path = argv[++i];
        else if (a == "--seq" && i + 1 < argc)
            S = std::atoll(argv[++i]);
        else if (a == "--runs" && i + 1 < argc)
            runs = std::atoi(argv[++i]);
    }
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));
    BENCH_CHECK_CUDA(cudaSetDevice(0));

    // Inputs: random bf16 (never zeros: they can run faster than real data).
    const size_t n = static_cast<size_t>(B * S * H * D);
    std::vector<uint16_t> host(n);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (auto& x : host) {
        float f = dist(rng);
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        x = static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
    }
    void *q, *k, *v, *o_direct, *o_shim;
    float *lse_direct, *lse_shim;
    BENCH_CHECK_CUDA(cudaMalloc(&q, n * 2));
    BENCH_CHECK_CUDA(cudaMalloc(&k, n * 2));
    BENCH_CHECK_CUDA(cudaMalloc(&v, n * 2));
    BENCH_CHECK_CUDA(cudaMalloc(&o_direct, n * 2));
    BENCH_CHECK_CUDA(cudaMalloc(&o_shim, n * 2));
    BENCH_CHECK_CUDA(cudaMalloc(&lse_direct, B * H * S * 4));
    BENCH_CHECK_CUDA(cudaMalloc(&lse_shim, B * H * S * 4));
    BENCH_CHECK_CUDA(cudaMemcpy(q, host.data(), n * 2, cudaMemcpyHostToDevice));
    std::shuffle(host.begin(), host.end(), rng);
    BENCH_CHECK_CUDA(cudaMemcpy(k, host.data(), n * 2, cudaMemcpyHostToDevice));
    std::shuffle(host.begin(), host.end(), rng);
    BENCH_CHECK_CUDA(cudaMemcpy(v, host.data(), n * 2, cudaMemcpyHostToDevice));
    cudaStream_t stream;
    BENCH_CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));

    // Direct cudnn-frontend graph.
    cudnnHandle_t handle;
    if (cudnnCreate(&handle) != CUDNN_STATUS_SUCCESS) {
        std::fprintf(stderr, "cudnnCreate failed\n");
        return 2;
    }
    auto graph = direct_graph(handle, B, H, S, D, scale);
    int64_t ws_bytes = 0;
    BENCH_CHECK_FE(graph->get_workspace_size(ws_bytes));
    void* ws_direct = nullptr;
    if (ws_bytes > 0) BENCH_CHECK_CUDA(cudaMalloc(&ws_direct, ws_bytes));
    std::unordered_map<int64_t, void*> pack = {{kQ, q}, {kK, k}, {kV, v}, {kO, o_direct}, {kStats, lse_direct}};
    auto run_direct = [&]() {
        cudnnSetStream(handle, stream);
        BENCH_CHECK_FE(graph->execute(handle, pack, ws_direct));
    };

    // The same attention through the shim (its own context, its own growable workspace: ws = NULL).
    ringattn_context* ctx = nullptr;
    BENCH_CHECK_SHIM(ringattn_context_create(0, &ctx));
    ringattn_sdpa_desc desc{};
    desc.batch = B;
    desc.q_heads = H;
    desc.kv_heads = H;
    desc.s_q = S;
    desc.s_kv = S;
    desc.head_dim = D;
    desc.dtype = RINGATTN_DTYPE_BF16;
    desc.mask = RINGATTN_MASK_CAUSAL_TOP_LEFT;
    desc.scale = scale;
    const int64_t bshd[4] = {S * H * D, D, H * D, 1};
    std::memcpy(desc.q_stride, bshd, sizeof(bshd));
    std::memcpy(desc.k_stride, bshd, sizeof(bshd));
    std::memcpy(desc.v_stride, bshd, sizeof(bshd));
    std::memcpy(desc.o_stride, bshd, sizeof(bshd));
    auto run_shim = [&]() {
        BENCH_CHECK_SHIM(ringattn_sdpa_forward(ctx, &desc, q, k, v, o_shim, lse_shim, nullptr, 0, stream));
    };

    auto build_start = std::chrono::steady_clock::now();
    run_shim();  // first call builds the graph
    BENCH_CHECK_CUDA(cudaStreamSynchronize(stream));
    const double shim_first_call_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
    for (int i = 0; i < warmup; ++i) {
        run_direct();
        run_shim();
    }
    BENCH_CHECK_CUDA(cudaStreamSynchronize(stream));

    cudaEvent_t start, stop;
    BENCH_CHECK_CUDA(cudaEventCreate(&start));
    BENCH_CHECK_CUDA(cudaEventCreate(&stop));
    std::vector<float> t_direct, t_shim;
    auto time_one = [&](auto&& fn) {
        BENCH_CHECK_CUDA(cudaEventRecord(start, stream));
        fn();
        BENCH_CHECK_CUDA(cudaEventRecord(stop, stream));
        BENCH_CHECK_CUDA(cudaEventSynchronize(stop));
        float ms = 0;
        BENCH_CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop));
        return ms;
    };
    for (int i = 0; i < runs; ++i) {  // interleaved so clock or thermal drift hits both sides alike
        t_direct.push_back(time_one(run_direct));
        t_shim.push_back(time_one(run_shim));
    }
    int64_t builds = 0, hits = 0;
    BENCH_CHECK_SHIM(ringattn_sdpa_cache_stats(ctx, &builds, &hits, nullptr));

    // Ring kernels on the same shape (memory bound): merging the bf16 partial (BSHD) into an fp32 BHSD
    // accumulator, and an fp32 += bf16 gradient accumulation. Bytes = each input read once, output written once.
    ringattn_tensor_desc part_desc{{B, H, S, D}, {S * H * D, D, H * D, 1}, RINGATTN_DTYPE_BF16};
    ringattn_tensor_desc acc_desc{{B, H, S, D}, {H * S * D, S * D, D, 1}, RINGATTN_DTYPE_FP32};
    float *o_acc = nullptr, *lse_acc = nullptr;
    BENCH_CHECK_CUDA(cudaMalloc(&o_acc, n * 4));
    BENCH_CHECK_CUDA(cudaMalloc(&lse_acc, B * H * S * 4));
    BENCH_CHECK_SHIM(ringattn_merge_init(&acc_desc, o_acc, lse_acc, stream));
    auto run_merge = [&]() {
        BENCH_CHECK_SHIM(ringattn_lse_merge(&part_desc, o_shim, lse_shim, &acc_desc, o_acc, lse_acc, 0, stream));
    };
    auto run_accumulate = [&]() {
        BENCH_CHECK_SHIM(ringattn_accumulate(&acc_desc, o_acc, &part_desc, o_shim, stream));
    };
    for (int i = 0; i < warmup; ++i) {
        run_merge();
        run_accumulate();
    }
    std::vector<float> t_merge, t_accumulate;
    for (int i = 0; i < runs; ++i) {
        t_merge.push_back(time_one(run_merge));
        t_accumulate.push_back(time_one(run_accumulate));
    }
    const double ms_merge = median(t_merge), ms_accumulate = median(t_accumulate);
    const double merge_bytes = n * (2.0 + 4.0 + 4.0) + B * H * S * (4.0 + 4.0 + 4.0);
    const double accumulate_bytes = n * (2.0 + 4.0 + 4.0);
    const double merge_gbps = merge_bytes / (ms_merge * 1e-3) / 1e9;
    const double accumulate_gbps = accumulate_bytes / (ms_accumulate * 1e-3) / 1e9;
    cudaFree(o_acc);
    cudaFree(lse_acc);

    // Same graph, same inputs: the outputs should match bit for bit.
    std::vector<uint16_t> a(n), b(n);
    BENCH_CHECK_CUDA(cudaMemcpy(a.data(), o_direct, n * 2, cudaMemcpyDeviceToHost));
    BENCH_CHECK_CUDA(cudaMemcpy(b.data(), o_shim, n * 2, cudaMemcpyDeviceToHost));
    const bool identical = a == b;

    const double flops = 4.0 * B * H * static_cast<double>(S) * S * D / 2.0;
    const double ms_direct = median(t_direct), ms_shim = median(t_shim);
    const double tf_direct = flops / (ms_direct * 1e-3) / 1e12, tf_shim = flops / (ms_shim * 1e-3) / 1e12;
    const double ratio = tf_shim / tf_direct;

    ringattn_versions ver{};
    BENCH_CHECK_SHIM(ringattn_get_versions(&ver));
    ringattn_device_props props{};
    BENCH_CHECK_SHIM(ringattn_cuda_device_props(0, &props));
    char date[64];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    const char* commit = std::getenv("GIT_COMMIT");

    char json[8192];
    std::snprintf(
        json, sizeof(json),
        "{\"bench\":\"sdpa_forward\",\"dtype\":\"bf16\",\"layout\":\"BSHD\",\"mask\":\"causal_top_left\","
        "\"B\":%lld,\"H\":%lld,\"S\":%lld,\"D\":%lld,\"runs\":%d,\"warmup\":%d,"
        "\"direct_ms\":%.4f,\"shim_ms\":%.4f,\"direct_tflops\":%.1f,\"shim_tflops\":%.1f,"
        "\"shim_over_direct\":%.4f,\"pass_95pct\":%s,\"outputs_identical\":%s,"
        "\"shim_first_call_s\":%.3f,\"shim_graph_builds\":%lld,\"shim_cache_hits\":%lld,"
        "\"lse_merge_ms\":%.4f,\"lse_merge_gbps\":%.0f,\"accumulate_ms\":%.4f,\"accumulate_gbps\":%.0f,"
        "\"card\":\"%s\",\"cc\":\"%d.%d\",\"nvidia_driver\":\"%s\",\"cuda_driver\":%d,\"cuda_runtime\":%d,"
        "\"cudnn_runtime\":%lld,\"cudnn_frontend\":%lld,\"nccl\":%d,\"date_utc\":\"%s\",\"git_commit\":\"%s\"}",
        (long long)B, (long long)H, (long long)S, (long long)D, runs, warmup, ms_direct, ms_shim, tf_direct, tf_shim,
        ratio, ratio >= 0.95 ? "true" : "false", identical ? "true" : "false", shim_first_call_s, (long long)builds,
        (long long)hits, ms_merge, merge_gbps, ms_accumulate, accumulate_gbps, json_escape(props.name).c_str(),
        props.cc_major, props.cc_minor, json_escape(nvidia_driver_version()).c_str(), ver.cuda_driver, ver.cuda_runtime,
        (long long)ver.cudnn_runtime, (long long)ver.cudnn_frontend, ver.nccl_runtime, date,
        json_escape(commit ? commit : "").c_str());
    std::printf("RINGATTN_BENCH %s\n", json);
    std::ofstream out(json_path);
    out << json << "\n";
    if (!out) std::fprintf(stderr, "could not write %s\n", json_path.c_str());

    BENCH_CHECK_SHIM(ringattn_context_destroy(ctx));
    cudaFree(q);
    cudaFree(k);
    cudaFree(v);
    cudaFree(o_direct);
    cudaFree(o_shim);
    cudaFree(lse_direct);
    cudaFree(lse_shim);
    if (ws_direct) cudaFree(ws_direct);
    // The cuDNN handle is deliberately not destroyed at exit (TE PR #650: cudnnDestroy at teardown misbehaves).
    return ratio >= 0.95 ? 0 : 1;
}
