// Element-wise kernels over strided 4-D views: acc += src (fp32 accumulation of per-step dQ/dK/dV),
// and dst = cast(src). One block row per (d0, d1, d2) row, VEC elements of d3 per thread.
#include "kernel_common.cuh"

namespace ringattn {
namespace kernels {
namespace {

template <class S, int VEC>
__global__ void accumulate_kernel(float* __restrict__ acc, View4d acc_view, const S* __restrict__ src, View4d src_view,
                                  int64_t rows_total) {
    const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
    if (row >= rows_total) return;
    const int64_t acc_offset = row_offset(acc_view, row, nullptr, nullptr);
    const int64_t src_offset = row_offset(src_view, row, nullptr, nullptr);
    const int64_t chunks = acc_view.dims[3] / VEC;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) {
        if (VEC == 1) {
            acc[acc_offset + c * acc_view.strides[3]] += to_float<S>(src[src_offset + c * src_view.strides[3]]);
        } else {
            float a[VEC], s[VEC];
            load_floats<float, VEC>(acc + acc_offset + c * VEC, a);
            load_floats<S, VEC>(src + src_offset + c * VEC, s);
#pragma unroll
            for (int i = 0; i < VEC; ++i) a[i] += s[i];
            store_floats<float, VEC>(acc + acc_offset + c * VEC, a);
        }
    }
}

template <class S, class D, int VEC>
__global__ void cast_kernel(const S* __restrict__ src, View4d src_view, D* __restrict__ dst, View4d dst_view,
                            int64_t rows_total) {
    const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
    if (row >= rows_total) return;
    const int64_t src_offset = row_offset(src_view, row, nullptr, nullptr);
    const int64_t dst_offset = row_offset(dst_view, row, nullptr, nullptr);
    const int64_t chunks = src_view.dims[3] / VEC;
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) {
        if (VEC == 1) {
            dst[dst_offset + c * dst_view.strides[3]] =
                from_float<D>(to_float<S>(src[src_offset + c * src_view.strides[3]]));
        } else {
            float v[VEC];
            load_floats<S, VEC>(src + src_offset + c * VEC, v);
            store_floats<D, VEC>(dst + dst_offset + c * VEC, v);
        }
    }
}

constexpr int kVec = 8;

template <class S>
cudaError_t accumulate_typed(float* acc, const View4d& acc_view, const S* src, const View4d& src_view,
                             cudaStream_t stream) {
    const int64_t rows = row_count(acc_view);
    if (rows == 0) return cudaSuccess;
    const bool vectorize = can_vectorize(acc, acc_view, 4, kVec) && can_vectorize(src, src_view, sizeof(S), kVec);
    const dim3 block = row_block(acc_view.dims[3] / (vectorize ? kVec : 1));
    const dim3 grid = row_grid(rows, block.y);
    if (vectorize) {
        accumulate_kernel<S, kVec><<<grid, block, 0, stream>>>(acc, acc_view, src, src_view, rows);
    } else {
        accumulate_kernel<S, 1><<<grid, block, 0, stream>>>(acc, acc_view, src, src_view, rows);
    }
    return cudaGetLastError();
}

template <class S, class D>
cudaError_t cast_typed(const S* src, const View4d& src_view, D* dst, const View4d& dst_view, cudaStream_t stream) {
    const int64_t rows = row_count(src_view);
    if (rows == 0) return cudaSuccess;
    const bool vectorize =
        can_vectorize(src, src_view, sizeof(S), kVec) && can_vectorize(dst, dst_view, sizeof(D), kVec);
    const dim3 block = row_block(src_view.dims[3] / (vectorize ? kVec : 1));
    const dim3 grid = row_grid(rows, block.y);
    if (vectorize) {
        cast_kernel<S, D, kVec><<<grid, block, 0, stream>>>(src, src_view, dst, dst_view, rows);
    } else {
        cast_kernel<S, D, 1><<<grid, block, 0, stream>>>(src, src_view, dst, dst_view, rows);
    }
    return cudaGetLastError();
}

template <class S>
cudaError_t cast_to(const S* src, const View4d& src_view, Dtype dst_dtype, void* dst, const View4d& dst_view,
                    cudaStream_t stream) {
    switch (dst_dtype) {
        case kBf16: return cast_typed(src, src_view, static_cast<__nv_bfloat16*>(dst), dst_view, stream);
        case kFp16: return cast_typed(src, src_view, static_cast<__half*>(dst), dst_view, stream);
        case kFp32: return cast_typed(src, src_view, static_cast<float*>(dst), dst_view, stream);
    }
    return cudaErrorInvalidValue;
}

}  // namespace

cudaError_t launch_accumulate(float* acc, const View4d& acc_view, Dtype src_dtype, const void* src,
                              const View4d& src_view, cudaStream_t stream) {
    switch (src_dtype) {
        case kBf16: return accumulate_typed(acc, acc_view, static_cast<const __nv_bfloat16*>(src), src_view, stream);
        case kFp16: return accumulate_typed(acc, acc_view, static_cast<const __half*>(src), src_view, stream);
        case kFp32: return accumulate_typed(acc, acc_view, static_cast<const float*>(src), src_view, stream);
    }
    return cudaErrorInvalidValue;
}

cudaError_t launch_cast(Dtype src_dtype, const void* src, const View4d& src_view, Dtype dst_dtype, void* dst,
                        const View4d& dst_view, cudaStream_t stream) {
    switch (src_dtype) {
        case kBf16: return cast_to(static_cast<const __nv_bfloat16*>(src), src_view, dst_dtype, dst, dst_view, stream);
        case kFp16: return cast_to(static_cast<const __half*>(src), src_view, dst_dtype, dst, dst_view, stream);
        case kFp32: return cast_to(static_cast<const float*>(src), src_view, dst_dtype, dst, dst_view, stream);
    }
    return cudaErrorInvalidValue;
}

}  // namespace kernels
}  // namespace ringattn
