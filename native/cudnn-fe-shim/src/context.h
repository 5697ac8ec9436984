// The attention context behind ringattn_context: one cuDNN handle bound to one device, the graph cache,
// and the growable workspace used when callers pass none.
#pragma once

#include <cudnn.h>

#include <cstddef>
#include <mutex>

#include "ringattn_shim.h"
#include "sdpa_graph_cache.h"

struct ringattn_context {
    explicit ringattn_context(int dev) : device(dev), cache(RINGATTN_DEFAULT_GRAPH_CACHE_CAPACITY) {}

    int device;
    cudnnHandle_t handle = nullptr;
    // Serializes calls: the cuDNN handle's stream and the internal workspace are shared state.
    std::mutex mutex;
    ringattn::SdpaGraphCache cache;
    void* workspace = nullptr;
    size_t workspace_bytes = 0;
};

namespace ringattn {

/**
 * Makes the context's own workspace at least `bytes` large. Growing waits for the device first, because
 * work already enqueued may still use the old buffer. Call with ctx->mutex held and the device current.
 */
void ensure_context_workspace(ringattn_context* ctx, size_t bytes);

}  // namespace ringattn
