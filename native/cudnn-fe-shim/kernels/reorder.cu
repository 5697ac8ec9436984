// Load-balancing reorder along the sequence axis of a contiguous [outer, seq_len, inner] tensor, and its
// inverse. A token row (inner elements) is copied in the widest unit that divides it and the pointers.
#include "kernel_common.cuh"

namespace ringattn {
namespace kernels {
namespace {

/** Original token index of balanced position n (see ringattn_reorder in ringattn_shim.h). */
__device__ __forceinline__ int64_t original_position(int64_t n, int64_t seq_len, int64_t world_size, ReorderKind kind) {
    if (kind == kDualChunk) {
        const int64_t chunk = seq_len / (2 * world_size);
        const int64_t p = n / chunk;
        const int64_t o = n % chunk;
        const int64_t source_chunk = (p % 2 == 0) ? p / 2 : 2 * world_size - 1 - (p - 1) / 2;
        return source_chunk * chunk + o;
    }
    const int64_t per_rank = seq_len / world_size;  // striped: rank p = n / per_rank holds tokens p, p+N, ...
    return (n % per_rank) * world_size + n / per_rank;
}

template <class Unit>
__global__ void reorder_kernel(const Unit* __restrict__ src, Unit* __restrict__ dst, int64_t outer, int64_t seq_len,
                               int64_t units_per_token, int64_t world_size, ReorderKind kind, bool inverse) {
    const int64_t total = outer * seq_len * units_per_token;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t u = i % units_per_token;
        const int64_t token = i / units_per_token;
        const int64_t n = token % seq_len;
        const int64_t base = token - n;  // o * seq_len
        const int64_t original = original_position(n, seq_len, world_size, kind);
        // Forward: balanced[n] = original[orig(n)]. Inverse: original[orig(n)] = balanced[n].
        const int64_t from = inverse ? n : original;
        const int64_t to = inverse ? original : n;
        dst[(base + to) * units_per_token + u] = src[(base + from) * units_per_token + u];
    }
}

template <class Unit>
cudaError_t launch_unit(const void* src, void* dst, int64_t outer, int64_t seq_len, int64_t row_bytes,
                        int32_t world_size, ReorderKind kind, bool inverse, cudaStream_t stream) {
    const int64_t units = row_bytes / static_cast<int64_t>(sizeof(Unit));
    const int64_t total = outer * seq_len * units;
    const int threads = 256;
    int64_t blocks = (total + threads - 1) / threads;
    if (blocks > 65535LL * 32) blocks = 65535LL * 32;  // grid-stride loop covers the rest
    reorder_kernel<Unit><<<static_cast<unsigned>(blocks), threads, 0, stream>>>(
        static_cast<const Unit*>(src), static_cast<Unit*>(dst), outer, seq_len, units, world_size, kind, inverse);
    return cudaGetLastError();
}

}  // namespace

cudaError_t launch_reorder(const void* src, void* dst, int64_t outer, int64_t seq_len, int64_t inner,
                           int32_t element_bytes, int32_t world_size, ReorderKind kind, bool inverse,
                           cudaStream_t stream) {
    const int64_t row_bytes = inner * element_bytes;
    if (outer * seq_len * row_bytes == 0) return cudaSuccess;
    const uintptr_t alignment =
        reinterpret_cast<uintptr_t>(src) | reinterpret_cast<uintptr_t>(dst) | static_cast<uintptr_t>(row_bytes);
    if (alignment % 16 == 0)
        return launch_unit<uint4>(src, dst, outer, seq_len, row_bytes, world_size, kind, inverse, stream);
    if (alignment % 8 == 0)
        return launch_unit<uint2>(src, dst, outer, seq_len, row_bytes, world_size, kind, inverse, stream);
    if (alignment % 4 == 0)
        return launch_unit<uint32_t>(src, dst, outer, seq_len, row_bytes, world_size, kind, inverse, stream);
    return launch_unit<uint16_t>(src, dst, outer, seq_len, row_bytes, world_size, kind, inverse, stream);
}

}  // namespace kernels
}  // namespace ringattn
