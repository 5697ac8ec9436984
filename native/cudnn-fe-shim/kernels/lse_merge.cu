// Online merge of one ring step's partial attention (O_b in bf16/fp16, LSE_b fp32) into the running fp32
// accumulator (O, LSE). Rows of the partial map 1:1 onto rows [row_begin, row_begin + rows) of the
// accumulator, which is how the half-Q steps of a dual-chunk ring land in the second half of the queries.
#include <cmath>

#include "kernel_common.cuh"

namespace ringattn {
namespace kernels {
namespace {

/**
 * One block row (threadIdx.y) per query row; threadIdx.x walks the row's d in chunks of VEC.
 * All threads of a row read the old LSE, agree on the two weights, and only after a barrier does
 * thread x == 0 write the new LSE, so no thread of the row can read a half-updated value.
 */
template <class T, int VEC>
__global__ void lse_merge_kernel(const T* __restrict__ o_part, View4d part, const float* __restrict__ lse_part,
                                 float* __restrict__ o_acc, View4d acc, float* __restrict__ lse_acc, int64_t row_begin,
                                 int64_t rows_total) {
    const int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
    const bool active = row < rows_total;

    float new_lse = 0.0f;
    float weight_acc = 0.0f;   // multiplies the old accumulator row
    float weight_part = 0.0f;  // multiplies the partial row
    bool update = false;
    int64_t part_offset = 0, acc_offset = 0, lse_acc_index = 0;

    if (active) {
        int64_t bh = 0, s = 0;
        part_offset = row_offset(part, row, &bh, &s);
        const int64_t acc_s = row_begin + s;
        const int64_t b = bh / part.dims[1];
        const int64_t h = bh % part.dims[1];
        acc_offset = b * acc.strides[0] + h * acc.strides[1] + acc_s * acc.strides[2];
        lse_acc_index = bh * acc.dims[2] + acc_s;

        const float lb = lse_part[row];  // packed [b, h, rows]: the flat row index is the packed index
        const float l = lse_acc[lse_acc_index];
        if (isfinite(lb)) {  // a partial row that saw no key (-inf) or is invalid leaves the row unchanged
            update = true;
            if (!isfinite(l)) {  // empty accumulator row: take the partial as is (avoids -inf - -inf)
                new_lse = lb;
                weight_acc = 0.0f;
                weight_part = 1.0f;
            } else {
                const float m = fmaxf(l, lb);
                new_lse = m + log1pf(expf(fminf(l, lb) - m));
                weight_acc = expf(l - new_lse);
                weight_part = expf(lb - new_lse);
            }
        }
    }

    if (update) {
        const int64_t chunks = part.dims[3] / VEC;
        for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) {
            const int64_t d = c * VEC;
            float ob[VEC];
            float oa[VEC];
            if (VEC == 1) {
                ob[0] = to_float<T>(o_part[part_offset + d * part.strides[3]]);
                oa[0] = o_acc[acc_offset + d * acc.strides[3]];
            } else {
                load_floats<T, VEC>(o_part + part_offset + d, ob);
                load_floats<float, VEC>(o_acc + acc_offset + d, oa);
            }
#pragma unroll
            for (int i = 0; i < VEC; ++i) {
                // weight_acc == 0 for an empty row: write O_b exactly, never 0 * (stale) values.
                oa[i] = (weight_acc == 0.0f) ? weight_part * ob[i] : weight_acc * oa[i] + weight_part * ob[i];
            }
            if (VEC == 1) {
                o_acc[acc_offset + d * acc.strides[3]] = oa[0];
            } else {
                store_floats<float, VEC>(o_acc + acc_offset + d, oa);
            }
        }
    }

    __syncthreads();
    if (update && threadIdx.x == 0) lse_acc[lse_acc_index] = new_lse;
}

template <class T>
cudaError_t launch_typed(const T* o_part, const View4d& part, const float* lse_part, float* o_acc, const View4d& acc,
                         float* lse_acc, int64_t row_begin, cudaStream_t stream) {
    const int64_t rows = row_count(part);
    if (rows == 0) return cudaSuccess;
    constexpr int kVec = 8;
    const bool vectorize = can_vectorize(o_part, part, sizeof(T), kVec) && can_vectorize(o_acc, acc, 4, kVec);
    const int vec = vectorize ? kVec : 1;
    const dim3 block = row_block(part.dims[3] / vec);
    const dim3 grid = row_grid(rows, block.y);
    if (vectorize) {
        lse_merge_kernel<T, kVec>
            <<<grid, block, 0, stream>>>(o_part, part, lse_part, o_acc, acc, lse_acc, row_begin, rows);
    } else {
        lse_merge_kernel<T, 1>
            <<<grid, block, 0, stream>>>(o_part, part, lse_part, o_acc, acc, lse_acc, row_begin, rows);
    }
    return cudaGetLastError();
}

}  // namespace

cudaError_t launch_lse_merge(Dtype part_dtype, const void* o_part, const View4d& part, const float* lse_part,
                             float* o_acc, const View4d& acc, float* lse_acc, int64_t row_begin, cudaStream_t stream) {
    switch (part_dtype) {
        case kBf16:
            return launch_typed(static_cast<const __nv_bfloat16*>(o_part), part, lse_part, o_acc, acc, lse_acc,
                                row_begin, stream);
        case kFp16:
            return launch_typed(static_cast<const __half*>(o_part), part, lse_part, o_acc, acc, lse_acc, row_begin,
                                stream);
        case kFp32:
            return launch_typed(static_cast<const float*>(o_part), part, lse_part, o_acc, acc, lse_acc, row_begin,
                                stream);
    }
    return cudaErrorInvalidValue;
}

}  // namespace kernels
}  // namespace ringattn
