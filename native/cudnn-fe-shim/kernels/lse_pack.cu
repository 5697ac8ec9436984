// Copies a strided fp32 LSE [b, h, s] into a packed buffer. cuDNN before 9.26 reads the backward's Stats
// input as packed whatever strides are declared, so a view (e.g. the second half of the queries) must be
// packed first or the gradients are silently wrong.
#include "kernel_common.cuh"

namespace ringattn {
namespace kernels {
namespace {

__global__ void lse_pack_kernel(const float* __restrict__ src, int64_t stride_b, int64_t stride_h, int64_t stride_s,
                                float* __restrict__ dst, int64_t heads, int64_t rows, int64_t total) {
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t s = i % rows;
        const int64_t bh = i / rows;
        const int64_t h = bh % heads;
        const int64_t b = bh / heads;
        dst[i] = src[b * stride_b + h * stride_h + s * stride_s];
    }
}

}  // namespace

cudaError_t launch_lse_pack(const float* src, const int64_t src_strides[3], float* dst, int64_t batch, int64_t heads,
                            int64_t rows, cudaStream_t stream) {
    const int64_t total = batch * heads * rows;
    if (total == 0) return cudaSuccess;
    const int threads = 256;
    int64_t blocks = (total + threads - 1) / threads;
    if (blocks > 65535LL * 16) blocks = 65535LL * 16;
    lse_pack_kernel<<<static_cast<unsigned>(blocks), threads, 0, stream>>>(src, src_strides[0], src_strides[1],
                                                                           src_strides[2], dst, heads, rows, total);
    return cudaGetLastError();
}

}  // namespace kernels
}  // namespace ringattn
