// Thread-local last-error message, status names and the ABI version: the parts of the C API that every
// caller needs before anything else works.
#include <string>

#include "shim_error.h"

namespace ringattn {

namespace {
// One message per thread, so that concurrent callers never read each other's errors.
thread_local std::string t_last_error;
}  // namespace

void set_last_error(const std::string& message) noexcept {
    try {
        t_last_error = message;
    } catch (...) {
        // Out of memory while storing a message: keep whatever was there rather than throw across the ABI.
    }
}

}  // namespace ringattn

extern "C" {

RINGATTN_API const char* ringattn_last_error(void) { return ringattn::t_last_error.c_str(); }

RINGATTN_API const char* ringattn_status_name(int32_t status) {
    switch (status) {
        case RINGATTN_STATUS_OK: return "RINGATTN_STATUS_OK";
        case RINGATTN_STATUS_INVALID_ARGUMENT: return "RINGATTN_STATUS_INVALID_ARGUMENT";
        case RINGATTN_STATUS_UNSUPPORTED: return "RINGATTN_STATUS_UNSUPPORTED";
        case RINGATTN_STATUS_CUDA_ERROR: return "RINGATTN_STATUS_CUDA_ERROR";
        case RINGATTN_STATUS_CUDNN_ERROR: return "RINGATTN_STATUS_CUDNN_ERROR";
        case RINGATTN_STATUS_NCCL_ERROR: return "RINGATTN_STATUS_NCCL_ERROR";
        case RINGATTN_STATUS_OUT_OF_MEMORY: return "RINGATTN_STATUS_OUT_OF_MEMORY";
        case RINGATTN_STATUS_WORKSPACE_TOO_SMALL: return "RINGATTN_STATUS_WORKSPACE_TOO_SMALL";
        case RINGATTN_STATUS_TIMEOUT: return "RINGATTN_STATUS_TIMEOUT";
        case RINGATTN_STATUS_NOT_READY: return "RINGATTN_STATUS_NOT_READY";
        case RINGATTN_STATUS_INTERNAL: return "RINGATTN_STATUS_INTERNAL";
        case RINGATTN_STATUS_ABORTED: return "RINGATTN_STATUS_ABORTED";
        default: return "RINGATTN_STATUS_UNKNOWN";
    }
}

RINGATTN_API uint32_t ringattn_abi_version(void) { return RINGATTN_ABI_VERSION; }

}  // extern "C"
