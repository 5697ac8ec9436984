// Device helpers shared by the shim's kernels: element conversions, vector loads/stores of VEC
// consecutive elements, and the mapping of a flat row index to (b, h, s).
#pragma once

#ifndef RINGATTN_CUDA_SYNTAX_CHECK  // defined only by the no-nvcc syntax check (see native/NOTES.md)
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#endif

#include <cstdint>

#include "launchers.h"

namespace ringattn {
namespace kernels {

template <class T>
__device__ __forceinline__ float to_float(T value);
template <>
__device__ __forceinline__ float to_float<float>(float value) {
    return value;
}
template <>
__device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 value) {
    return __bfloat162float(value);
}
template <>
__device__ __forceinline__ float to_float<__half>(__half value) {
    return __half2float(value);
}

template <class T>
__device__ __forceinline__ T from_float(float value);
template <>
__device__ __forceinline__ float from_float<float>(float value) {
    return value;
}
template <>
__device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float value) {
    return __float2bfloat16_rn(value);
}
template <>
__device__ __forceinline__ __half from_float<__half>(float value) {
    return __float2half_rn(value);
}

/** VEC elements of T as one aligned object, so the compiler emits wide (up to 16-byte) accesses. */
template <class T, int VEC>
struct alignas(sizeof(T) * VEC) Pack {
    T v[VEC];
};

/** Loads VEC consecutive elements at p (aligned to sizeof(T)*VEC when VEC > 1) as floats. */
template <class T, int VEC>
__device__ __forceinline__ void load_floats(const T* p, float (&out)[VEC]) {
    Pack<T, VEC> pack = *reinterpret_cast<const Pack<T, VEC>*>(p);
#pragma unroll
    for (int i = 0; i < VEC; ++i) out[i] = to_float<T>(pack.v[i]);
}

/** Stores VEC floats converted to T at p (aligned as for load_floats). */
template <class T, int VEC>
__device__ __forceinline__ void store_floats(T* p, const float (&in)[VEC]) {
    Pack<T, VEC> pack;
#pragma unroll
    for (int i = 0; i < VEC; ++i) pack.v[i] = from_float<T>(in[i]);
    *reinterpret_cast<Pack<T, VEC>*>(p) = pack;
}

/** Element offset of row (b, h, s) of a [b, h, s, d] view, for the flat row index over dims[0..2]. */
__device__ __forceinline__ int64_t row_offset(const View4d& view, int64_t row, int64_t* bh_index, int64_t* s_index) {
    const int64_t s = row % view.dims[2];
    const int64_t bh = row / view.dims[2];
    const int64_t h = bh % view.dims[1];
    const int64_t b = bh / view.dims[1];
    if (bh_index != nullptr) *bh_index = bh;
    if (s_index != nullptr) *s_index = s;
    return b * view.strides[0] + h * view.strides[1] + s * view.strides[2];
}

/** Host side: can a view of `element_bytes` elements at `ptr` be accessed VEC elements at a time? */
inline bool can_vectorize(const void* ptr, const View4d& view, int element_bytes, int vec) {
    if (vec == 1) return true;
    const int64_t align = static_cast<int64_t>(element_bytes) * vec;
    if (reinterpret_cast<uintptr_t>(ptr) % align != 0) return false;
    if (view.strides[3] != 1 || view.dims[3] % vec != 0) return false;
    for (int i = 0; i < 3; ++i)
        if ((view.strides[i] * element_bytes) % align != 0) return false;
    return true;
}

/** Host side: number of rows (b*h*s) of a view. */
inline int64_t row_count(const View4d& view) { return view.dims[0] * view.dims[1] * view.dims[2]; }

/** Host side: the 2-D block shape for row kernels: x covers the VEC-chunks of one row, y several rows. */
inline dim3 row_block(int64_t chunks_per_row) {
    unsigned x = static_cast<unsigned>(chunks_per_row < 256 ? chunks_per_row : 256);
    if (x == 0) x = 1;
    unsigned y = 256 / x;
    if (y == 0) y = 1;
    return dim3(x, y, 1);
}

/** Host side: enough blocks of `rows_per_block` rows to cover `rows`. */
inline dim3 row_grid(int64_t rows, unsigned rows_per_block) {
    return dim3(static_cast<unsigned>((rows + rows_per_block - 1) / rows_per_block), 1, 1);
}

}  // namespace kernels
}  // namespace ringattn
