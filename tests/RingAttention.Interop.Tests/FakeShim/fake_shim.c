/*
 * A stand-in for libringattn_shim.so, built by the loader tests with the system C compiler so that loading,
 * ABI checking and error reporting can be tested on machines without CUDA. It includes the real header, so
 * its signatures are the shim's. Compile-time switches:
 *   FAKE_ABI=<n>         value returned by ringattn_abi_version (default: RINGATTN_ABI_VERSION)
 *   FAKE_NEEDS_DEPENDENCY  call into a separate library, so the result has a DT_NEEDED entry for it
 */
#include <stdio.h>
#include <string.h>

#include "ringattn_shim.h"

#ifndef FAKE_ABI
#define FAKE_ABI RINGATTN_ABI_VERSION
#endif

#ifdef FAKE_NEEDS_DEPENDENCY
int fake_dependency_version(void);
#endif

/* One message per thread, as in the real shim. */
static __thread char last_error[256];

static int32_t fail(int32_t status, const char* function, const char* message) {
    snprintf(last_error, sizeof last_error, "%s: %s", function, message);
    return status;
}

const char* ringattn_last_error(void) { return last_error; }

const char* ringattn_status_name(int32_t status) {
    return status == RINGATTN_STATUS_OK ? "RINGATTN_STATUS_OK" : "RINGATTN_STATUS_FAKE";
}

uint32_t ringattn_abi_version(void) { return FAKE_ABI; }

int32_t ringattn_get_versions(ringattn_versions* out) {
    if (out == NULL) return fail(RINGATTN_STATUS_INVALID_ARGUMENT, __func__, "out must not be NULL");
    memset(out, 0, sizeof *out);
    out->shim = RINGATTN_VERSION_MAJOR * 10000 + RINGATTN_VERSION_MINOR * 100 + RINGATTN_VERSION_PATCH;
    out->abi = (int32_t)FAKE_ABI;
#ifdef FAKE_NEEDS_DEPENDENCY
    out->cudnn_runtime = fake_dependency_version();
#endif
    return RINGATTN_STATUS_OK;
}

/* A machine without a driver: no device, and that is not an error. */
int32_t ringattn_cuda_device_count(int32_t* count) {
    if (count == NULL) return fail(RINGATTN_STATUS_INVALID_ARGUMENT, __func__, "count must not be NULL");
    *count = 0;
    return RINGATTN_STATUS_OK;
}

int32_t ringattn_cuda_set_device(int32_t device) {
    char message[128];
    snprintf(message, sizeof message, "cudaSetDevice(%d) failed: invalid device ordinal (fake)", (int)device);
    return fail(RINGATTN_STATUS_CUDA_ERROR, __func__, message);
}

int32_t ringattn_cuda_malloc(size_t bytes, void** ptr) {
    (void)bytes;
    if (ptr == NULL) return fail(RINGATTN_STATUS_INVALID_ARGUMENT, __func__, "ptr must not be NULL");
    return fail(RINGATTN_STATUS_OUT_OF_MEMORY, __func__, "cudaMalloc failed: out of memory (fake)");
}
