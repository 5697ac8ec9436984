// Version queries: what the shim was built against and what the process actually loaded. The loaded
// versions matter because a machine can hold several cuDNN/NCCL copies (system and Python wheels).
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <nccl.h>

#include "cudnn_frontend_version.h"
#include "shim_error.h"

extern "C" RINGATTN_API int32_t ringattn_get_versions(ringattn_versions* out) {
    RINGATTN_GUARDED({
        ringattn::require_not_null(out, "out");
        ringattn_versions v{};
        v.shim = RINGATTN_VERSION_MAJOR * 10000 + RINGATTN_VERSION_MINOR * 100 + RINGATTN_VERSION_PATCH;
        v.abi = RINGATTN_ABI_VERSION;
        v.cudnn_runtime = static_cast<int64_t>(cudnnGetVersion());
        v.cudnn_compiled = CUDNN_VERSION;
        v.cudnn_frontend = CUDNN_FRONTEND_VERSION;
        int nccl = 0;
        if (ncclGetVersion(&nccl) == ncclSuccess) v.nccl_runtime = nccl;
        v.nccl_compiled = NCCL_VERSION_CODE;
        // Without a driver these calls fail or report 0; versions of absent parts stay 0 (documented).
        int runtime = 0, driver = 0;
        if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) v.cuda_runtime = runtime;
        if (cudaDriverGetVersion(&driver) == cudaSuccess) v.cuda_driver = driver;
        (void)cudaGetLastError();  // do not leave a sticky-looking error for the caller's next check
        *out = v;
    });
}
