// Thin C wrappers over the CUDA runtime for the managed side: devices, memory, streams and events.
// They exist so that C# loads one native library whose cudart is the one cuDNN and NCCL run on.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>

#include "cuda_check.h"

using ringattn::check_cuda;
using ringattn::require;
using ringattn::require_not_null;

namespace {
cudaStream_t as_stream(ringattn_stream s) { return static_cast<cudaStream_t>(s); }
cudaEvent_t as_event(ringattn_event e) { return static_cast<cudaEvent_t>(e); }
}  // namespace

extern "C" {

RINGATTN_API int32_t ringattn_cuda_device_count(int32_t* count) {
    RINGATTN_GUARDED({
        require_not_null(count, "count");
        int n = 0;
        cudaError_t result = cudaGetDeviceCount(&n);
        if (result == cudaErrorNoDevice || result == cudaErrorInsufficientDriver) {
            (void)cudaGetLastError();
            n = 0;  // no GPU is an answer, not an error
        } else {
            check_cuda(result, "cudaGetDeviceCount");
        }
        *count = n;
    });
}

RINGATTN_API int32_t ringattn_cuda_device_props(int32_t device, ringattn_device_props* out) {
    RINGATTN_GUARDED({
        require_not_null(out, "out");
        int n = 0;
        check_cuda(cudaGetDeviceCount(&n), "cudaGetDeviceCount");
        require(device >= 0 && device < n,
                "device " + std::to_string(device) + " out of range [0, " + std::to_string(n) + ")");
        cudaDeviceProp prop{};
        check_cuda(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
        ringattn_device_props p{};
        const size_t name_length = strnlen(prop.name, sizeof(prop.name));
        std::memcpy(p.name, prop.name, std::min(name_length, sizeof(p.name) - 1));  // p is zeroed: NUL-terminated
        p.cc_major = prop.major;
        p.cc_minor = prop.minor;
        p.sm_count = prop.multiProcessorCount;
        p.pci_bus_id = prop.pciBusID;
        p.total_memory_bytes = prop.totalGlobalMem;
        *out = p;
    });
}

RINGATTN_API int32_t ringattn_cuda_set_device(int32_t device) {
    RINGATTN_GUARDED({ check_cuda(cudaSetDevice(device), "cudaSetDevice"); });
}

RINGATTN_API int32_t ringattn_cuda_get_device(int32_t* device) {
    RINGATTN_GUARDED({
        require_not_null(device, "device");
        int d = 0;
        check_cuda(cudaGetDevice(&d), "cudaGetDevice");
        *device = d;
    });
}

RINGATTN_API int32_t ringattn_cuda_device_synchronize(void) {
    RINGATTN_GUARDED({ check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); });
}

RINGATTN_API int32_t ringattn_cuda_mem_get_info(size_t* free_bytes, size_t* total_bytes) {
    RINGATTN_GUARDED({
        require_not_null(free_bytes, "free_bytes");
        require_not_null(total_bytes, "total_bytes");
        size_t f = 0, t = 0;
        check_cuda(cudaMemGetInfo(&f, &t), "cudaMemGetInfo");
        *free_bytes = f;
        *total_bytes = t;
    });
}

RINGATTN_API int32_t ringattn_cuda_malloc(size_t bytes, void** ptr) {
    RINGATTN_GUARDED({
        require_not_null(ptr, "ptr");
        void* p = nullptr;
        if (bytes > 0) check_cuda(cudaMalloc(&p, bytes), "cudaMalloc");
        *ptr = p;
    });
}

RINGATTN_API int32_t ringattn_cuda_free(void* ptr) {
    RINGATTN_GUARDED({
        if (ptr != nullptr) check_cuda(cudaFree(ptr), "cudaFree");
    });
}

RINGATTN_API int32_t ringattn_cuda_host_malloc(size_t bytes, void** ptr) {
    RINGATTN_GUARDED({
        require_not_null(ptr, "ptr");
        void* p = nullptr;
        if (bytes > 0) check_cuda(cudaMallocHost(&p, bytes), "cudaMallocHost");
        *ptr = p;
    });
}

RINGATTN_API int32_t ringattn_cuda_host_free(void* ptr) {
    RINGATTN_GUARDED({
        if (ptr != nullptr) check_cuda(cudaFreeHost(ptr), "cudaFreeHost");
    });
}

RINGATTN_API int32_t ringattn_cuda_memcpy_async(void* dst, const void* src, size_t bytes, int32_t kind,
                                                ringattn_stream stream) {
    RINGATTN_GUARDED({
        if (bytes == 0) return;
        require_not_null(dst, "dst");
        require_not_null(src, "src");
        cudaMemcpyKind k;
        switch (kind) {
            case RINGATTN_MEMCPY_HOST_TO_DEVICE: k = cudaMemcpyHostToDevice; break;
            case RINGATTN_MEMCPY_DEVICE_TO_HOST: k = cudaMemcpyDeviceToHost; break;
            case RINGATTN_MEMCPY_DEVICE_TO_DEVICE: k = cudaMemcpyDeviceToDevice; break;
            case RINGATTN_MEMCPY_DEFAULT: k = cudaMemcpyDefault; break;
            default: ringattn::fail(RINGATTN_STATUS_INVALID_ARGUMENT, "unknown memcpy kind " + std::to_string(kind));
        }
        check_cuda(cudaMemcpyAsync(dst, src, bytes, k, as_stream(stream)), "cudaMemcpyAsync");
    });
}

RINGATTN_API int32_t ringattn_cuda_memset_async(void* dst, int32_t value, size_t bytes, ringattn_stream stream) {
    RINGATTN_GUARDED({
        if (bytes == 0) return;
        require_not_null(dst, "dst");
        check_cuda(cudaMemsetAsync(dst, value, bytes, as_stream(stream)), "cudaMemsetAsync");
    });
}

RINGATTN_API int32_t ringattn_cuda_stream_create(ringattn_stream* out) {
    RINGATTN_GUARDED({
        require_not_null(out, "out");
        cudaStream_t s = nullptr;
        check_cuda(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
        *out = s;
    });
}

RINGATTN_API int32_t ringattn_cuda_stream_destroy(ringattn_stream stream) {
    RINGATTN_GUARDED({
        require_not_null(stream, "stream");
        check_cuda(cudaStreamDestroy(as_stream(stream)), "cudaStreamDestroy");
    });
}

RINGATTN_API int32_t ringattn_cuda_stream_synchronize(ringattn_stream stream) {
    RINGATTN_GUARDED({ check_cuda(cudaStreamSynchronize(as_stream(stream)), "cudaStreamSynchronize"); });
}

RINGATTN_API int32_t ringattn_cuda_stream_wait_event(ringattn_stream stream, ringattn_event event) {
    RINGATTN_GUARDED({
        require_not_null(event, "event");
        check_cuda(cudaStreamWaitEvent(as_stream(stream), as_event(event), 0), "cudaStreamWaitEvent");
    });
}

RINGATTN_API int32_t ringattn_cuda_event_create(int32_t enable_timing, ringattn_event* out) {
    RINGATTN_GUARDED({
        require_not_null(out, "out");
        cudaEvent_t e = nullptr;
        unsigned flags = enable_timing ? cudaEventDefault : cudaEventDisableTiming;
        check_cuda(cudaEventCreateWithFlags(&e, flags), "cudaEventCreateWithFlags");
        *out = e;
    });
}

RINGATTN_API int32_t ringattn_cuda_event_destroy(ringattn_event event) {
    RINGATTN_GUARDED({
        require_not_null(event, "event");
        check_cuda(cudaEventDestroy(as_event(event)), "cudaEventDestroy");
    });
}

RINGATTN_API int32_t ringattn_cuda_event_record(ringattn_event event, ringattn_stream stream) {
    RINGATTN_GUARDED({
        require_not_null(event, "event");
        check_cuda(cudaEventRecord(as_event(event), as_stream(stream)), "cudaEventRecord");
    });
}

RINGATTN_API int32_t ringattn_cuda_event_synchronize(ringattn_event event) {
    RINGATTN_GUARDED({
        require_not_null(event, "event");
        check_cuda(cudaEventSynchronize(as_event(event)), "cudaEventSynchronize");
    });
}

RINGATTN_API int32_t ringattn_cuda_event_query(ringattn_event event) {
    RINGATTN_GUARDED({
        require_not_null(event, "event");
        cudaError_t result = cudaEventQuery(as_event(event));
        if (result == cudaErrorNotReady) {
            (void)cudaGetLastError();  // not an error: clear it so later launch checks stay clean
            return RINGATTN_STATUS_NOT_READY;
        }
        check_cuda(result, "cudaEventQuery");
        return RINGATTN_STATUS_OK;
    });
}

RINGATTN_API int32_t ringattn_cuda_event_elapsed_ms(ringattn_event start, ringattn_event end, float* ms) {
    RINGATTN_GUARDED({
        require_not_null(start, "start");
        require_not_null(end, "end");
        require_not_null(ms, "ms");
        float value = 0.0f;
        check_cuda(cudaEventElapsedTime(&value, as_event(start), as_event(end)), "cudaEventElapsedTime");
        *ms = value;
    });
}

}  // extern "C"
