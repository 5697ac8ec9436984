// Creation and destruction of attention contexts, and growth of their workspace.
#include "context.h"

#include <memory>
#include <string>

#include "cuda_check.h"

namespace ringattn {

void ensure_context_workspace(ringattn_context* ctx, size_t bytes) {
    if (bytes <= ctx->workspace_bytes) return;
    if (ctx->workspace != nullptr) {
        // The old buffer may still be read by work on any stream: wait, then free. This only happens when a
        // new graph needs more than every earlier one, never on the steady-state path.
        check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize (before growing the workspace)");
        check_cuda(cudaFree(ctx->workspace), "cudaFree (old workspace)");
        ctx->workspace = nullptr;
        ctx->workspace_bytes = 0;
    }
    void* p = nullptr;
    check_cuda(cudaMalloc(&p, bytes), "cudaMalloc (workspace of " + std::to_string(bytes) + " bytes)");
    ctx->workspace = p;
    ctx->workspace_bytes = bytes;
}

}  // namespace ringattn

extern "C" {

RINGATTN_API int32_t ringattn_context_create(int32_t device, ringattn_context** out) {
    RINGATTN_GUARDED({
        ringattn::require_not_null(out, "out");
        int count = 0;
        ringattn::check_cuda(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
        ringattn::require(device >= 0 && device < count,
                          "device " + std::to_string(device) + " out of range [0, " + std::to_string(count) + ")");
        ringattn::DeviceGuard guard(device);  // a cuDNN handle belongs to the device current at creation
        auto ctx = std::make_unique<ringattn_context>(device);
        cudnnStatus_t status = cudnnCreate(&ctx->handle);
        if (status != CUDNN_STATUS_SUCCESS)
            ringattn::fail(RINGATTN_STATUS_CUDNN_ERROR,
                           std::string("cudnnCreate failed: ") + cudnnGetErrorString(status));
        *out = ctx.release();
    });
}

RINGATTN_API int32_t ringattn_context_destroy(ringattn_context* ctx) {
    RINGATTN_GUARDED({
        if (ctx == nullptr) return;
        std::unique_ptr<ringattn_context> owned(ctx);
        ringattn::DeviceGuard guard(ctx->device);
        // Graphs may still run on some stream: wait before their workspace goes away.
        ringattn::check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
        if (ctx->workspace != nullptr) ringattn::check_cuda(cudaFree(ctx->workspace), "cudaFree (workspace)");
        ctx->workspace = nullptr;
        if (ctx->handle != nullptr) {
            cudnnStatus_t status = cudnnDestroy(ctx->handle);
            ctx->handle = nullptr;
            if (status != CUDNN_STATUS_SUCCESS)
                ringattn::fail(RINGATTN_STATUS_CUDNN_ERROR,
                               std::string("cudnnDestroy failed: ") + cudnnGetErrorString(status));
        }
    });
}

RINGATTN_API int32_t ringattn_context_set_cache_capacity(ringattn_context* ctx, int64_t capacity) {
    RINGATTN_GUARDED({
        ringattn::require_not_null(ctx, "ctx");
        ringattn::require(capacity >= 1, "capacity must be >= 1, got " + std::to_string(capacity));
        ctx->cache.set_capacity(static_cast<size_t>(capacity));
    });
}

RINGATTN_API int32_t ringattn_context_device(const ringattn_context* ctx, int32_t* device) {
    RINGATTN_GUARDED({
        ringattn::require_not_null(ctx, "ctx");
        ringattn::require_not_null(device, "device");
        *device = ctx->device;
    });
}

RINGATTN_API int32_t ringattn_sdpa_cache_stats(const ringattn_context* ctx, int64_t* builds, int64_t* hits,
                                               int64_t* entries) {
    RINGATTN_GUARDED({
        ringattn::require_not_null(ctx, "ctx");
        ctx->cache.stats(builds, hits, entries);
    });
}

}  // extern "C"
