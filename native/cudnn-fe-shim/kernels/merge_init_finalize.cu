// The two ends of a forward merge: set the accumulator to "no keys seen" (O = 0, LSE = -inf) before the
// first step, and cast it to the output dtype after the last, writing 0 for rows that never saw a key.
#include <cmath>

#include "kernel_common.cuh"

namespace ringattn {
namespace kernels {
namespace {

template <int VEC>
__global__ void merge_init_kernel(float* __restrict__ o_acc, View4d acc, float* __restrict__ lse_acc,
                                  int64_t rows_total) {
    const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
    if (row >= rows_total) return;
    int64_t bh = 0, s = 0;
    const int64_t offset = row_offset(acc, row, &bh, &s);
    const int64_t chunks = acc.dims[3] / VEC;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) {
        float zeros[VEC];
#pragma unroll
        for (int i = 0; i < VEC; ++i) zeros[i] = 0.0f;
        if (VEC == 1) {
            o_acc[offset + c * acc.strides[3]] = 0.0f;
        } else {
            store_floats<float, VEC>(o_acc + offset + c * VEC, zeros);
        }
    }
    if (threadIdx.x == 0) lse_acc[bh * acc.dims[2] + s] = -INFINITY;
}

template <class T, int VEC>
__global__ void merge_finalize_kernel(const float* __restrict__ o_acc, View4d acc, const float* __restrict__ lse_acc,
                                      T* __restrict__ out, View4d out_view, int64_t rows_total) {
    const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
    if (row >= rows_total) return;
    int64_t bh = 0, s = 0;
    const int64_t acc_offset = row_offset(acc, row, &bh, &s);
    const int64_t out_offset = row_offset(out_view, row, nullptr, nullptr);
    const bool empty = !isfinite(lse_acc[bh * acc.dims[2] + s]);
    const int64_t chunks = acc.dims[3] / VEC;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) {
        float v[VEC];
        if (VEC == 1) {
            v[0] = o_acc[acc_offset + c * acc.strides[3]];
        } else {
            load_floats<float, VEC>(o_acc + acc_offset + c * VEC, v);
        }
#pragma unroll
        for (int i = 0; i < VEC; ++i) v[i] = empty ? 0.0f : v[i];
        if (VEC == 1) {
            out[out_offset + c * out_view.strides[3]] = from_float<T>(v[0]);
        } else {
            store_floats<T, VEC>(out + out_offset + c * VEC, v);
        }
    }
}

template <class T>
cudaError_t launch_finalize_typed(const float* o_acc, const View4d& acc, const float* lse_acc, T* out,
                                  const View4d& out_view, cudaStream_t stream) {
    const int64_t rows = row_count(acc);
    if (rows == 0) return cudaSuccess;
    constexpr int kVec = 8;
    const bool vectorize = can_vectorize(o_acc, acc, 4, kVec) && can_vectorize(out, out_view, sizeof(T), kVec);
    const dim3 block = row_block(acc.dims[3] / (vectorize ? kVec : 1));
    const dim3 grid = row_grid(rows, block.y);
    if (vectorize) {
        merge_finalize_kernel<T, kVec><<<grid, block, 0, stream>>>(o_acc, acc, lse_acc, out, out_view, rows);
    } else {
        merge_finalize_kernel<T, 1><<<grid, block, 0, stream>>>(o_acc, acc, lse_acc, out, out_view, rows);
    }
    return cudaGetLastError();
}

}  // namespace

cudaError_t launch_merge_init(float* o_acc, const View4d& acc, float* lse_acc, cudaStream_t stream) {
    const int64_t rows = row_count(acc);
    if (rows == 0) return cudaSuccess;
    constexpr int kVec = 8;
    const bool vectorize = can_vectorize(o_acc, acc, 4, kVec);
    const dim3 block = row_block(acc.dims[3] / (vectorize ? kVec : 1));
    const dim3 grid = row_grid(rows, block.y);
    if (vectorize) {
        merge_init_kernel<kVec><<<grid, block, 0, stream>>>(o_acc, acc, lse_acc, rows);
    } else {
        merge_init_kernel<1><<<grid, block, 0, stream>>>(o_acc, acc, lse_acc, rows);
    }
    return cudaGetLastError();
}

cudaError_t launch_merge_finalize(const float* o_acc, const View4d& acc, const float* lse_acc, Dtype out_dtype,
                                  void* out, const View4d& out_view, cudaStream_t stream) {
    switch (out_dtype) {
        case kBf16:
            return launch_finalize_typed(o_acc, acc, lse_acc, static_cast<__nv_bfloat16*>(out), out_view, stream);
        case kFp16: return launch_finalize_typed(o_acc, acc, lse_acc, static_cast<__half*>(out), out_view, stream);
        case kFp32: return launch_finalize_typed(o_acc, acc, lse_acc, static_cast<float*>(out), out_view, stream);
    }
    return cudaErrorInvalidValue;
}

}  // namespace kernels
}  // namespace ringattn
