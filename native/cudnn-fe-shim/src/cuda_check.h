// CUDA error checks for the shim: turn a cudaError_t into a ShimError with the failing call's text.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "shim_error.h"

namespace ringattn {

/** Throws RINGATTN_STATUS_CUDA_ERROR (or OUT_OF_MEMORY) for a failed `result`; the message names `what`. */
[[noreturn]] inline void fail_cuda(cudaError_t result, const std::string& what) {
    int32_t status = (result == cudaErrorMemoryAllocation) ? RINGATTN_STATUS_OUT_OF_MEMORY : RINGATTN_STATUS_CUDA_ERROR;
    fail(status, what + " failed: " + cudaGetErrorName(result) + " (" + cudaGetErrorString(result) + ")");
}

/** Throws via fail_cuda if `result` is not cudaSuccess. Builds no string on success (hot path). */
inline void check_cuda(cudaError_t result, const char* what) {
    if (result != cudaSuccess) fail_cuda(result, what);
}

/** As above, for messages built at run time (cold paths only). */
inline void check_cuda(cudaError_t result, const std::string& what) {
    if (result != cudaSuccess) fail_cuda(result, what);
}

/**
 * Makes `device` current for the lifetime of the guard and restores the caller's device afterwards, so
 * that shim calls never change which device the calling thread sees as current.
 */
class DeviceGuard {
public:
    explicit DeviceGuard(int device) {
        check_cuda(cudaGetDevice(&previous_), "cudaGetDevice");
        if (previous_ != device) check_cuda(cudaSetDevice(device), "cudaSetDevice");
    }
    ~DeviceGuard() {
        int current = -1;
        if (cudaGetDevice(&current) == cudaSuccess && current != previous_) (void)cudaSetDevice(previous_);
    }
    DeviceGuard(const DeviceGuard&) = delete;
    DeviceGuard& operator=(const DeviceGuard&) = delete;

private:
    int previous_ = 0;
};

}  // namespace ringattn
