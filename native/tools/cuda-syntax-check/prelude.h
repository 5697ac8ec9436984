// Prelude for a CUDA *syntax* check of the shim's .cu files on machines without nvcc (the development
// machines): clang 14 cannot use CUDA 13's own headers, so this declares the handful of CUDA names the
// kernels use and check.sh runs `clang -x cuda -nocudainc -fsyntax-only` (host and device passes).
// It proves nothing about code generation; nvcc on the GPU machine remains the real compile.
#include <__clang_cuda_builtin_vars.h>
#include <stddef.h>
#include <stdint.h>
#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __restrict__ __restrict
#include <cuda_runtime_api.h>
extern "C" unsigned __cudaPushCallConfiguration(dim3 gridDim, dim3 blockDim, size_t sharedMem = 0, void *stream = 0);
struct __nv_bfloat16 { unsigned short x; };
struct __half { unsigned short x; };
__device__ float __bfloat162float(__nv_bfloat16);
__device__ __nv_bfloat16 __float2bfloat16_rn(float);
__device__ float __half2float(__half);
__device__ __half __float2half_rn(float);
__device__ float expf(float); __device__ float log1pf(float); __device__ float fmaxf(float,float); __device__ float fminf(float,float);
__device__ bool isfinite(float);
#define INFINITY __builtin_huge_valf()
__device__ void __syncthreads();
extern "C" int cudaConfigureCall(dim3 gridSize, dim3 blockSize, size_t sharedMem = 0, cudaStream_t stream = 0);
