// Host-side entry points of the shim's CUDA kernels. Each launcher validates nothing (the C API in
// src/ring_kernels.cpp does that), enqueues its kernel on `stream` and returns cudaGetLastError(), so a
// bad launch configuration is reported at the call that caused it.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace ringattn {
namespace kernels {

/** A strided 4-D view: dims and strides in elements (same meaning as ringattn_tensor_desc). */
struct View4d {
    int64_t dims[4];
    int64_t strides[4];
};

/** Element types, numerically equal to RINGATTN_DTYPE_*. */
enum Dtype : int32_t { kBf16 = 0, kFp16 = 1, kFp32 = 2 };

/** O_acc = 0 over `acc` and lse_acc (packed [b, h, L], L = acc.dims[2]) = -inf. */
cudaError_t launch_merge_init(float* o_acc, const View4d& acc, float* lse_acc, cudaStream_t stream);

/** Merges (o_part, lse_part) into rows [row_begin, row_begin + part.dims[2]) of (o_acc, lse_acc). */
cudaError_t launch_lse_merge(Dtype part_dtype, const void* o_part, const View4d& part, const float* lse_part,
                             float* o_acc, const View4d& acc, float* lse_acc, int64_t row_begin, cudaStream_t stream);

/** out = cast(O_acc), 0 for rows whose lse_acc is not finite. */
cudaError_t launch_merge_finalize(const float* o_acc, const View4d& acc, const float* lse_acc, Dtype out_dtype,
                                  void* out, const View4d& out_view, cudaStream_t stream);

/** acc += src over equal dims. */
cudaError_t launch_accumulate(float* acc, const View4d& acc_view, Dtype src_dtype, const void* src,
                              const View4d& src_view, cudaStream_t stream);

/** dst = cast(src) over equal dims. */
cudaError_t launch_cast(Dtype src_dtype, const void* src, const View4d& src_view, Dtype dst_dtype, void* dst,
                        const View4d& dst_view, cudaStream_t stream);

/** Copies a strided fp32 [b, h, s] tensor into a packed one (stride {h*s, s, 1}). */
cudaError_t launch_lse_pack(const float* src, const int64_t src_strides[3], float* dst, int64_t batch, int64_t heads,
                            int64_t rows, cudaStream_t stream);

}  // namespace kernels
}  // namespace ringattn
