/*
 * ringattn_shim.h - C API of libringattn_shim.so, the native part of RingAttention.
 *
 * Plain C99. It includes only stdint.h, stddef.h and stdbool.h, so that a libclang-based generator can
 * turn it into C# bindings: no macros in signatures, no bitfields, no unions, no variadics, and every
 * constant is an integer literal of the form `#define RINGATTN_NAME (value)`.
 *
 * Conventions that hold for every function:
 *  - Every function returns an int32_t status (RINGATTN_STATUS_*), except the few documented otherwise.
 *    On failure a UTF-8 message is stored per thread; read it with ringattn_last_error().
 *    No function lets a C++ exception or a crash escape for bad arguments: they return a status.
 *  - Output parameters are written only on success.
 *  - Sizes, dims and strides are int64_t and counted in ELEMENTS; byte counts are size_t.
 *  - Tensors are described in the logical order [b, h, s, d] (batch, head, sequence, head dim), the
 *    order cuDNN uses. The memory layout is given only by the strides, so BSHD, SBHD, BHSD and
 *    sub-views along s (the caller offsets the pointer) all work without a copy. The d stride must be 1.
 *  - CUDA streams and events cross as opaque pointers (ringattn_stream, ringattn_event); a CUDA
 *    cudaStream_t / cudaEvent_t may be passed directly. A NULL stream is the legacy default stream.
 *  - Device pointers given to the attention functions must be 16-byte aligned (cuDNN faults otherwise).
 */
#ifndef RINGATTN_SHIM_H
#define RINGATTN_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(RINGATTN_SHIM_BUILDING)
#define RINGATTN_API __attribute__((visibility("default")))
#else
#define RINGATTN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------------ */
/* Versions                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

/** ABI version of this header. Bumped on every incompatible change of a signature or struct layout. */
#define RINGATTN_ABI_VERSION (2)
/** Major version of the shim library. */
#define RINGATTN_VERSION_MAJOR (0)
/** Minor version of the shim library. */
#define RINGATTN_VERSION_MINOR (1)
/** Patch version of the shim library. */
#define RINGATTN_VERSION_PATCH (0)

/* ------------------------------------------------------------------------------------------------ */
/* Status codes                                                                                      */
/* ------------------------------------------------------------------------------------------------ */

/** Success. */
#define RINGATTN_STATUS_OK (0)
/** An argument is invalid: a null pointer, a non-positive dim, a bad stride, an unknown enum value. */
#define RINGATTN_STATUS_INVALID_ARGUMENT (1)
/** The arguments are valid but this configuration is not supported (head dim, mask, cuDNN refused the graph). */
#define RINGATTN_STATUS_UNSUPPORTED (2)
/** A CUDA runtime call or a kernel launch failed. */
#define RINGATTN_STATUS_CUDA_ERROR (3)
/** A cuDNN or cudnn-frontend call failed while building or executing a graph. */
#define RINGATTN_STATUS_CUDNN_ERROR (4)
/** An NCCL call failed. */
#define RINGATTN_STATUS_NCCL_ERROR (5)
/** A device or host allocation failed. */
#define RINGATTN_STATUS_OUT_OF_MEMORY (6)
/** The caller's workspace is smaller than the size the *_workspace_size function returns. */
#define RINGATTN_STATUS_WORKSPACE_TOO_SMALL (7)
/** An operation did not finish within its time limit (NCCL non-blocking init or a ring exchange). */
#define RINGATTN_STATUS_TIMEOUT (8)
/** The queried work has not finished yet (event query). Not an error. */
#define RINGATTN_STATUS_NOT_READY (9)
/** An internal error or an unexpected C++ exception. */
#define RINGATTN_STATUS_INTERNAL (10)
/** The call stopped because its communicator was cancelled (ringattn_nccl_comm_cancel): a peer failed. */
#define RINGATTN_STATUS_ABORTED (11)

/* ------------------------------------------------------------------------------------------------ */
/* Enumerated values (used as int32_t fields and arguments)                                          */
/* ------------------------------------------------------------------------------------------------ */

/** Element type bfloat16. */
#define RINGATTN_DTYPE_BF16 (0)
/** Element type IEEE float16. */
#define RINGATTN_DTYPE_FP16 (1)
/** Element type float32 (only for the accumulate/cast kernels, accumulators and NCCL reductions). */
#define RINGATTN_DTYPE_FP32 (2)

/** No attention mask: every query sees every key. */
#define RINGATTN_MASK_NONE (0)
/** Causal, diagonal aligned top-left: query i sees keys j <= i. */
#define RINGATTN_MASK_CAUSAL_TOP_LEFT (1)
/** Causal, diagonal aligned bottom-right: query i sees keys j <= i + (s_kv - s_q). Requires s_q <= s_kv. */
#define RINGATTN_MASK_CAUSAL_BOTTOM_RIGHT (2)
/**
 * Diagonal band, aligned top-left: query i sees key j iff i - window_left <= j <= i + window_right
 * (ringattn_sdpa_desc; a negative bound means unbounded on that side).
 */
#define RINGATTN_MASK_BAND (3)

/** Ring direction forward: send to rank (r+1)%N, receive from rank (r-1+N)%N. */
#define RINGATTN_RING_FORWARD (0)
/** Ring direction backward: send to rank (r-1+N)%N, receive from rank (r+1)%N. */
#define RINGATTN_RING_BACKWARD (1)

/** Copy host to device. */
#define RINGATTN_MEMCPY_HOST_TO_DEVICE (1)
/** Copy device to host. */
#define RINGATTN_MEMCPY_DEVICE_TO_HOST (2)
/** Copy device to device. */
#define RINGATTN_MEMCPY_DEVICE_TO_DEVICE (3)
/** Let CUDA infer the direction from the pointers (unified addressing). */
#define RINGATTN_MEMCPY_DEFAULT (4)

/** Default number of graphs a context caches (least recently used are evicted beyond it). */
#define RINGATTN_DEFAULT_GRAPH_CACHE_CAPACITY (64)

/* ------------------------------------------------------------------------------------------------ */
/* Opaque handles                                                                                    */
/* ------------------------------------------------------------------------------------------------ */

/** A CUDA stream (cudaStream_t). NULL is the legacy default stream. */
typedef void* ringattn_stream;
/** A CUDA event (cudaEvent_t). */
typedef void* ringattn_event;
/** An attention context: one cuDNN handle on one device, a graph cache and a growable workspace. */
typedef struct ringattn_context ringattn_context;
/** An NCCL communicator of one rank. */
typedef struct ringattn_comm ringattn_comm;

/* ------------------------------------------------------------------------------------------------ */
/* Errors and versions                                                                               */
/* ------------------------------------------------------------------------------------------------ */

/**
 * Returns the message of the last failed call on this thread (UTF-8, never NULL; "" if none).
 * The pointer stays valid until the next shim call on the same thread.
 */
RINGATTN_API const char* ringattn_last_error(void);

/** Returns a short constant name for a status code, e.g. "RINGATTN_STATUS_OK". Never NULL. */
RINGATTN_API const char* ringattn_status_name(int32_t status);

/** Returns RINGATTN_ABI_VERSION as compiled into the library; compare it with the header's value. */
RINGATTN_API uint32_t ringattn_abi_version(void);

/** Versions of the shim and of the libraries it was built against and loaded at run time. */
typedef struct ringattn_versions {
    /** Shim version, major*10000 + minor*100 + patch. */
    int32_t shim;
    /** ABI version of the library (RINGATTN_ABI_VERSION). */
    int32_t abi;
    /** cuDNN version loaded at run time (cudnnGetVersion), e.g. 91400 for 9.14.0. */
    int64_t cudnn_runtime;
    /** cuDNN version of the headers the shim was compiled with (CUDNN_VERSION). */
    int64_t cudnn_compiled;
    /** cudnn-frontend version compiled in (CUDNN_FRONTEND_VERSION), e.g. 12300 for 1.23.0. */
    int64_t cudnn_frontend;
    /** NCCL version loaded at run time (ncclGetVersion), e.g. 22803 for 2.28.3. */
    int32_t nccl_runtime;
    /** NCCL version of the headers the shim was compiled with (NCCL_VERSION_CODE). */
    int32_t nccl_compiled;
    /** CUDA runtime version (cudaRuntimeGetVersion), e.g. 13000. */
    int32_t cuda_runtime;
    /** Highest CUDA version the installed driver supports (cudaDriverGetVersion); 0 if no driver. */
    int32_t cuda_driver;
} ringattn_versions;

/** Fills *out with the versions above. Works without a GPU (missing parts read 0). */
RINGATTN_API int32_t ringattn_get_versions(ringattn_versions* out);

/* ------------------------------------------------------------------------------------------------ */
/* CUDA runtime                                                                                      */
/* ------------------------------------------------------------------------------------------------ */

/** Properties of one CUDA device. */
typedef struct ringattn_device_props {
    /** Device name, NUL-terminated UTF-8, e.g. "NVIDIA H100 80GB HBM3". */
    char name[256];
    /** Compute capability, major part (9 for Hopper). */
    int32_t cc_major;
    /** Compute capability, minor part. */
    int32_t cc_minor;
    /** Number of streaming multiprocessors. */
    int32_t sm_count;
    /** PCI bus id of the device. */
    int32_t pci_bus_id;
    /** Total device memory in bytes. */
    size_t total_memory_bytes;
} ringattn_device_props;

/** Writes the number of CUDA devices to *count (0 when there is no driver or no device: still OK). */
RINGATTN_API int32_t ringattn_cuda_device_count(int32_t* count);
/** Fills *out with the properties of device `device`. */
RINGATTN_API int32_t ringattn_cuda_device_props(int32_t device, ringattn_device_props* out);
/** Makes `device` the calling thread's current device (cudaSetDevice). */
RINGATTN_API int32_t ringattn_cuda_set_device(int32_t device);
/** Writes the calling thread's current device to *device. */
RINGATTN_API int32_t ringattn_cuda_get_device(int32_t* device);
/** Waits for all work on the current device (cudaDeviceSynchronize). */
RINGATTN_API int32_t ringattn_cuda_device_synchronize(void);
/** Writes the free and total memory of the current device in bytes (cudaMemGetInfo). */
RINGATTN_API int32_t ringattn_cuda_mem_get_info(size_t* free_bytes, size_t* total_bytes);

/** Allocates `bytes` of device memory on the current device; *ptr receives it (NULL for 0 bytes). */
RINGATTN_API int32_t ringattn_cuda_malloc(size_t bytes, void** ptr);
/** Frees device memory from ringattn_cuda_malloc. NULL is allowed and does nothing. */
RINGATTN_API int32_t ringattn_cuda_free(void* ptr);
/** Allocates `bytes` of pinned (page-locked) host memory; *ptr receives it (NULL for 0 bytes). */
RINGATTN_API int32_t ringattn_cuda_host_malloc(size_t bytes, void** ptr);
/** Frees pinned host memory from ringattn_cuda_host_malloc. NULL is allowed and does nothing. */
RINGATTN_API int32_t ringattn_cuda_host_free(void* ptr);
/** Enqueues a copy of `bytes` on `stream`; kind is RINGATTN_MEMCPY_*. Host memory should be pinned. */
RINGATTN_API int32_t ringattn_cuda_memcpy_async(void* dst, const void* src, size_t bytes, int32_t kind,
                                                ringattn_stream stream);
/** Enqueues a fill of `bytes` bytes of device memory with the byte `value` on `stream`. */
RINGATTN_API int32_t ringattn_cuda_memset_async(void* dst, int32_t value, size_t bytes, ringattn_stream stream);

/** Creates a stream that does not synchronize with the legacy default stream (cudaStreamNonBlocking). */
RINGATTN_API int32_t ringattn_cuda_stream_create(ringattn_stream* out);
/** Destroys a stream (work already enqueued still completes). */
RINGATTN_API int32_t ringattn_cuda_stream_destroy(ringattn_stream stream);
/** Waits until all work enqueued on `stream` has completed. */
RINGATTN_API int32_t ringattn_cuda_stream_synchronize(ringattn_stream stream);
/** Makes all future work on `stream` wait until `event` (as last recorded) has completed. */
RINGATTN_API int32_t ringattn_cuda_stream_wait_event(ringattn_stream stream, ringattn_event event);

/** Creates an event; enable_timing = 0 gives a cheaper synchronization-only event, 1 a timing event. */
RINGATTN_API int32_t ringattn_cuda_event_create(int32_t enable_timing, ringattn_event* out);
/** Destroys an event. */
RINGATTN_API int32_t ringattn_cuda_event_destroy(ringattn_event event);
/** Records `event` on `stream`. */
RINGATTN_API int32_t ringattn_cuda_event_record(ringattn_event event, ringattn_stream stream);
/** Blocks the calling thread until `event` has completed. */
RINGATTN_API int32_t ringattn_cuda_event_synchronize(ringattn_event event);
/** Returns OK if `event` has completed, RINGATTN_STATUS_NOT_READY if not (no message is set then). */
RINGATTN_API int32_t ringattn_cuda_event_query(ringattn_event event);
/** Writes the time in milliseconds between two completed timing events to *ms. */
RINGATTN_API int32_t ringattn_cuda_event_elapsed_ms(ringattn_event start, ringattn_event end, float* ms);

/* ------------------------------------------------------------------------------------------------ */
/* Attention (cuDNN SDPA through the cudnn-frontend graph API)                                       */
/* ------------------------------------------------------------------------------------------------ */

/**
 * Describes one scaled-dot-product attention call (the forward, and the first part of the backward).
 * Every field changes the cuDNN graph, so each distinct descriptor builds one graph on first use.
 */
typedef struct ringattn_sdpa_desc {
    /** Batch size b (> 0). */
    int64_t batch;
    /** Number of query heads Hq (> 0); also the heads of O and LSE. */
    int64_t q_heads;
    /** Number of key/value heads Hkv (> 0); Hq must be a multiple of Hkv (GQA/MQA). */
    int64_t kv_heads;
    /** Number of query rows s_q (> 0). */
    int64_t s_q;
    /** Number of key/value rows s_kv (> 0). */
    int64_t s_kv;
    /** Head dimension d of Q, K, V and O: a multiple of 8, at most 256 (128 for backward before Hopper). */
    int64_t head_dim;
    /** Element type of Q, K, V, O (and dO, dQ, dK, dV): RINGATTN_DTYPE_BF16 or RINGATTN_DTYPE_FP16. */
    int32_t dtype;
    /** RINGATTN_MASK_NONE, RINGATTN_MASK_CAUSAL_TOP_LEFT, RINGATTN_MASK_CAUSAL_BOTTOM_RIGHT or RINGATTN_MASK_BAND. */
    int32_t mask;
    /**
     * With a causal mask: sliding window to the left. If > 0, a query sees its diagonal key and the
     * window_left keys before it (keys j with diag - window_left <= j <= diag, diag = i for top-left,
     * i + s_kv - s_q for bottom-right). 0 or negative: no window. Needs s_q <= s_kv.
     * With RINGATTN_MASK_BAND: the left bound of the band: query i sees keys j >= i - window_left
     * (0: none before the diagonal row j = i); negative: unbounded. A bounded left side (after the
     * simplification below) needs s_q <= s_kv. With RINGATTN_MASK_NONE it must be <= 0.
     */
    int64_t window_left;
    /**
     * Only with RINGATTN_MASK_BAND (must be 0 with every other mask, so zero-initialised descriptors keep
     * their meaning): the right bound of the band, query i sees keys j <= i + window_right; negative:
     * unbounded. Query row i of the block sees key row j iff
     *     (window_left < 0 || j >= i - window_left) && (window_right < 0 || j <= i + window_right).
     * No query row is left empty: with s_q <= s_kv the band holds j = i; with s_q > s_kv it has no left
     * bound, so key 0 is seen.
     * The shim builds the simplest equivalent cuDNN graph (so equal masks share one cached graph):
     * window_right >= s_kv - 1 is unbounded, window_left >= s_q - 1 is unbounded; both unbounded is
     * RINGATTN_MASK_NONE; window_right == 0 is the top-left causal mask (plus the left bound);
     * window_right == s_kv - s_q (s_q <= s_kv) is the bottom-right causal mask (plus the left bound, moved
     * to the bottom-right diagonal). Any other band is cuDNN's top-left band with
     * diagonal_band_left_bound = window_left + 1 and diagonal_band_right_bound = window_right, where an
     * unbounded right side with a bounded left one becomes window_right = s_kv - 1 (it hides no key):
     * cuDNN 9.14.0 refuses a left bound without a right bound ("non-causal" in its terms) past 1024 keys.
     * Known refusal (RINGATTN_STATUS_UNSUPPORTED): a left bound with s_q > s_kv, on any version (the shim
     * refuses it before cuDNN).
     */
    int64_t window_right;
    /** Softmax scale applied to Q·K^T. 0 means the default 1/sqrt(head_dim). Must be finite. */
    float scale;
    /** Backward only: non-zero selects cuDNN's deterministic backward algorithm (slower on Hopper). */
    int32_t deterministic;
    /** Strides of Q in elements, logical order [b, h, s, d]; q_stride[3] must be 1. */
    int64_t q_stride[4];
    /** Strides of K in elements, logical order [b, h, s, d]; k_stride[3] must be 1. */
    int64_t k_stride[4];
    /** Strides of V in elements, logical order [b, h, s, d]; v_stride[3] must be 1. */
    int64_t v_stride[4];
    /** Strides of O in elements, logical order [b, h, s, d]; o_stride[3] must be 1. */
    int64_t o_stride[4];
} ringattn_sdpa_desc;

/**
 * Describes one SDPA backward call: the forward descriptor plus the gradient strides and the LSE strides.
 * The LSE given to the backward must be the final (merged) LSE for the same queries as O.
 */
typedef struct ringattn_sdpa_bwd_desc {
    /** Shapes, dtype, mask, scale, deterministic flag and the Q, K, V, O strides. */
    ringattn_sdpa_desc fwd;
    /** Strides of dO in elements, [b, h, s, d]. Use the strides of O where possible. */
    int64_t do_stride[4];
    /** Strides of dQ in elements, [b, h, s, d]. dQ is overwritten, not accumulated. */
    int64_t dq_stride[4];
    /** Strides of dK in elements, [b, h, s, d] (kv_heads heads). dK is overwritten. */
    int64_t dk_stride[4];
    /** Strides of dV in elements, [b, h, s, d] (kv_heads heads). dV is overwritten. */
    int64_t dv_stride[4];
    /**
     * Strides of the fp32 LSE in elements, logical order [b, h, s] (shape [batch, q_heads, s_q]).
     * All zeros means packed: {q_heads*s_q, s_q, 1}. cuDNN before 9.26 reads the LSE as packed whatever
     * its declared strides, so when these strides are not the packed ones the shim first copies the LSE
     * into a packed scratch inside the workspace (the workspace size includes it). Example: the second
     * half (rows [c, 2c)) of a per-rank [B, Hq, 2c] buffer is ptr + c with strides {Hq*2c, 2c, 1}.
     */
    int64_t lse_stride[3];
} ringattn_sdpa_bwd_desc;

/**
 * Creates a context on CUDA device `device`: a cuDNN handle, an empty graph cache
 * (RINGATTN_DEFAULT_GRAPH_CACHE_CAPACITY entries) and an empty workspace.
 * A context may be used from several threads: calls on one context are serialized by a lock.
 * The internal workspace is shared by all calls of the context, so calls that pass workspace = NULL on
 * different streams must be ordered by the caller (or pass one workspace per stream).
 * The calling thread's current device is left unchanged.
 */
RINGATTN_API int32_t ringattn_context_create(int32_t device, ringattn_context** out);
/** Destroys a context, its graphs and its workspace. Waits for the device first. NULL is allowed. */
RINGATTN_API int32_t ringattn_context_destroy(ringattn_context* ctx);
/** Sets the graph cache capacity (>= 1); evicts least recently used graphs beyond it. */
RINGATTN_API int32_t ringattn_context_set_cache_capacity(ringattn_context* ctx, int64_t capacity);
/** Writes the context's device ordinal to *device. */
RINGATTN_API int32_t ringattn_context_device(const ringattn_context* ctx, int32_t* device);

/**
 * Writes the bytes of workspace a forward with this descriptor needs to *bytes (may be 0).
 * `with_lse` (0 or 1) says whether the forward will be given an LSE pointer (it changes the graph).
 * Builds and caches the graph if it is new.
 */
RINGATTN_API int32_t ringattn_sdpa_forward_workspace_size(ringattn_context* ctx, const ringattn_sdpa_desc* desc,
                                                          int32_t with_lse, size_t* bytes);

/**
 * Attention forward: O = softmax(scale * Q K^T + mask) V, and optionally the LSE.
 * q, k, v, o: device pointers (16-byte aligned) laid out by the descriptor's strides.
 * lse: fp32, written packed [batch, q_heads, s_q] (stride {q_heads*s_q, s_q, 1}): the natural log of the
 *      sum of exp of the scaled, masked scores of each query row; -inf for a row that sees no key.
 *      NULL: the LSE is not computed (an inference graph).
 * workspace: device memory of at least ringattn_sdpa_forward_workspace_size bytes, or NULL to use the
 *      context's own buffer (grown when a new graph needs more; the only allocation the call makes).
 * stream: the work is enqueued there; the call does not wait for it.
 * The first call for a descriptor builds the graph (slow, about 0.1-1 s); later calls only execute.
 */
RINGATTN_API int32_t ringattn_sdpa_forward(ringattn_context* ctx, const ringattn_sdpa_desc* desc, const void* q,
                                           const void* k, const void* v, void* o, float* lse, void* workspace,
                                           size_t workspace_bytes, ringattn_stream stream);

/**
 * Writes the bytes of workspace a backward with this descriptor needs to *bytes, including the packed LSE
 * scratch when desc->lse_stride is not packed. Builds and caches the graph if it is new.
 */
RINGATTN_API int32_t ringattn_sdpa_backward_workspace_size(ringattn_context* ctx, const ringattn_sdpa_bwd_desc* desc,
                                                           size_t* bytes);

/**
 * Attention backward: from Q, K, V, the final O, dO and the final LSE, writes dQ, dK, dV (overwritten).
 * For GQA dK and dV have kv_heads heads (cuDNN sums over the query heads of each group).
 * lse: fp32 [batch, q_heads, s_q] with desc->lse_stride (see there). Other rules as ringattn_sdpa_forward.
 */
RINGATTN_API int32_t ringattn_sdpa_backward(ringattn_context* ctx, const ringattn_sdpa_bwd_desc* desc, const void* q,
                                            const void* k, const void* v, const void* o, const void* d_o,
                                            const float* lse, void* dq, void* dk, void* dv, void* workspace,
                                            size_t workspace_bytes, ringattn_stream stream);

/**
 * Writes how many graphs this context has built, how many calls found their graph in the cache,
 * and how many graphs the cache holds now. Any pointer may be NULL.
 */
RINGATTN_API int32_t ringattn_sdpa_cache_stats(const ringattn_context* ctx, int64_t* builds, int64_t* hits,
                                               int64_t* entries);

/* ------------------------------------------------------------------------------------------------ */
/* Ring kernels: LSE merge, accumulate, cast                                                         */
/* ------------------------------------------------------------------------------------------------ */

/** A strided 4-D tensor view of device memory. Dims and strides in elements. */
typedef struct ringattn_tensor_desc {
    /** Sizes of the 4 logical dims (all > 0). For attention tensors: [b, h, s, d]. */
    int64_t dims[4];
    /** Strides in elements of the 4 logical dims (>= 0). */
    int64_t strides[4];
    /** Element type: RINGATTN_DTYPE_BF16, RINGATTN_DTYPE_FP16 or RINGATTN_DTYPE_FP32. */
    int32_t dtype;
} ringattn_tensor_desc;

/**
 * Sets a running forward accumulator to empty: O_acc = 0 and LSE_acc = -inf.
 * acc: fp32 [b, h, L, d] (dtype must be FP32); lse_acc: fp32 packed [b, h, L] (L = acc->dims[2]).
 */
RINGATTN_API int32_t ringattn_merge_init(const ringattn_tensor_desc* acc, float* o_acc, float* lse_acc,
                                         ringattn_stream stream);

/**
 * Merges a partial attention result into rows [row_begin, row_begin + rows) of the running accumulator,
 * where rows = part->dims[2] and row r of the partial maps to row row_begin + r of the accumulator.
 * part: bf16/fp16 O_i, dims [b, h, rows, d]; lse_part: fp32 packed [b, h, rows] (as the forward writes it).
 * acc: fp32 O_acc, dims [b, h, L, d] (same b, h, d); lse_acc: fp32 packed [b, h, L].
 * Per row, with L = lse_acc, Lb = lse_part: if Lb is not finite the row is left unchanged; else if L is
 * not finite (empty accumulator) the row becomes (Lb, O_b); else m = max(L, Lb),
 * L' = m + log1p(exp(min(L, Lb) - m)), O' = exp(L - L')·O + exp(Lb - L')·O_b. Never produces NaN.
 */
RINGATTN_API int32_t ringattn_lse_merge(const ringattn_tensor_desc* part, const void* o_part, const float* lse_part,
                                        const ringattn_tensor_desc* acc, float* o_acc, float* lse_acc,
                                        int64_t row_begin, ringattn_stream stream);

/**
 * Writes the final output: out = (dtype of out) O_acc, and 0 for every row whose LSE_acc is -inf (or not
 * finite). acc: fp32 [b, h, L, d]; lse_acc: fp32 packed [b, h, L]; out: bf16/fp16 with the same dims.
 */
RINGATTN_API int32_t ringattn_merge_finalize(const ringattn_tensor_desc* acc, const float* o_acc, const float* lse_acc,
                                             const ringattn_tensor_desc* out, void* o_out, ringattn_stream stream);

/**
 * acc += src, element-wise over 4-D strided views of equal dims. acc must be FP32; src may be BF16, FP16
 * or FP32. For a row sub-range, offset both pointers and set dims[2] to the number of rows.
 */
RINGATTN_API int32_t ringattn_accumulate(const ringattn_tensor_desc* acc, float* acc_ptr,
                                         const ringattn_tensor_desc* src, const void* src_ptr, ringattn_stream stream);

/** dst = (dst dtype) src, element-wise over 4-D strided views of equal dims (any of BF16, FP16, FP32). */
RINGATTN_API int32_t ringattn_cast(const ringattn_tensor_desc* src, const void* src_ptr,
                                   const ringattn_tensor_desc* dst, void* dst_ptr, ringattn_stream stream);

/* ------------------------------------------------------------------------------------------------ */
/* NCCL                                                                                              */
/* ------------------------------------------------------------------------------------------------ */

/** An NCCL unique id: 128 opaque bytes made by one rank and given to all the others. */
typedef struct ringattn_nccl_unique_id {
    /** The bytes of ncclUniqueId. */
    uint8_t bytes[128];
} ringattn_nccl_unique_id;

/** Creates a new unique id (ncclGetUniqueId); call it on one rank and distribute the bytes. */
RINGATTN_API int32_t ringattn_nccl_get_unique_id(ringattn_nccl_unique_id* out);

/**
 * Creates the communicator of rank `rank` of `nranks` on CUDA device `device`, blocking until all ranks
 * have joined (call it from one thread or process per rank). Sets NCCL_NVLS_ENABLE=0 in the environment
 * if it is unset: NVLink multicast must stay off on shared machines. The current device is left unchanged.
 */
RINGATTN_API int32_t ringattn_nccl_comm_init(const ringattn_nccl_unique_id* id, int32_t nranks, int32_t rank,
                                             int32_t device, ringattn_comm** out);

/**
 * As ringattn_nccl_comm_init, but with a non-blocking communicator: polls until all ranks joined or
 * `timeout_ms` passed; on timeout aborts the communicator and returns RINGATTN_STATUS_TIMEOUT.
 * Later ring exchanges on this communicator also wait at most timeout_ms for NCCL to enqueue the work.
 */
RINGATTN_API int32_t ringattn_nccl_comm_init_timeout(const ringattn_nccl_unique_id* id, int32_t nranks, int32_t rank,
                                                     int32_t device, int64_t timeout_ms, ringattn_comm** out);

/** Writes the communicator's rank, number of ranks and device. Any pointer may be NULL. */
RINGATTN_API int32_t ringattn_nccl_comm_info(const ringattn_comm* comm, int32_t* rank, int32_t* nranks,
                                             int32_t* device);

/**
 * One ring step: in one ncclGroupStart/End, sends `bytes` from send_buf to the next rank and receives
 * `bytes` into recv_buf from the previous rank, enqueued on `stream`. direction RINGATTN_RING_FORWARD:
 * next = (r+1)%N, previous = (r-1+N)%N; RINGATTN_RING_BACKWARD: next = (r-1+N)%N, previous = (r+1)%N.
 * All ranks must call it with the same byte count and direction. With N = 1 it copies to itself.
 * Returns once the work is enqueued; completion follows stream order. send_buf and recv_buf must not
 * overlap. bytes = 0 does nothing.
 */
RINGATTN_API int32_t ringattn_nccl_ring_exchange(ringattn_comm* comm, const void* send_buf, void* recv_buf,
                                                 size_t bytes, int32_t direction, ringattn_stream stream);

/**
 * Queries the communicator's asynchronous error state (ncclCommGetAsyncError) without blocking.
 * *nccl_result receives the raw ncclResult_t (0 = success, 7 = in progress). Returns OK when the query
 * itself worked, whatever the state; RINGATTN_STATUS_NCCL_ERROR with a message if the state is an error.
 */
RINGATTN_API int32_t ringattn_nccl_comm_async_error(ringattn_comm* comm, int32_t* nccl_result);

/**
 * Splits a communicator (ncclCommSplit, a collective over every rank of `parent`): ranks that pass the
 * same `color` form one new communicator, ranked by `key` (ties by parent rank). color < 0 leaves this
 * rank out (*out = NULL). The new communicator keeps the parent's device, blocking mode and time limit.
 */
RINGATTN_API int32_t ringattn_nccl_comm_split(ringattn_comm* parent, int32_t color, int32_t key, ringattn_comm** out);

/**
 * All-gather (ncclAllGather) of `bytes` from every rank: recv_buf receives nranks * bytes, rank r's
 * contribution at offset r * bytes. Enqueued on `stream`; all ranks must call it with the same byte count.
 */
RINGATTN_API int32_t ringattn_nccl_all_gather(ringattn_comm* comm, const void* send_buf, void* recv_buf, size_t bytes,
                                              ringattn_stream stream);

/**
 * Reduce-scatter with sum (ncclReduceScatter): send_buf holds nranks * count elements of `dtype`
 * (RINGATTN_DTYPE_FP32, RINGATTN_DTYPE_BF16 or RINGATTN_DTYPE_FP16), seen as nranks blocks of `count`;
 * recv_buf receives `count` elements: block r of the element-wise sum over all ranks goes to rank r.
 * bf16/fp16 sums are accumulated by NCCL in its own order (results may differ by rank count and
 * algorithm, as any NCCL reduction). recv_buf may be send_buf + rank * count (in place); otherwise they
 * must not overlap. Enqueued on `stream`; all ranks must call it with the same count and dtype.
 * count = 0 does nothing.
 */
RINGATTN_API int32_t ringattn_nccl_reduce_scatter(ringattn_comm* comm, const void* send_buf, void* recv_buf,
                                                  size_t count, int32_t dtype, ringattn_stream stream);

/**
 * All-to-all of equal blocks: send_buf holds nranks blocks of `bytes`, block j goes to rank j; recv_buf
 * receives nranks blocks of `bytes`, block j from rank j (so block r of rank r stays on rank r, copied with
 * cudaMemcpyAsync). One ncclGroupStart/End of ncclSend/ncclRecv pairs, which works on any NCCL >= 2.7.
 * send_buf and recv_buf must not overlap. Enqueued on `stream`; all ranks must call it with the same
 * byte count. bytes = 0 does nothing.
 */
RINGATTN_API int32_t ringattn_nccl_all_to_all(ringattn_comm* comm, const void* send_buf, void* recv_buf, size_t bytes,
                                              ringattn_stream stream);

/**
 * Gather to one rank: `root`'s recv_buf receives nranks * bytes, rank r's send_buf at offset r * bytes,
 * through one group of point-to-point sends (no rank but root needs room for the whole). recv_buf is
 * ignored (may be NULL) on the other ranks. Enqueued on `stream`; all ranks pass the same bytes and root.
 */
RINGATTN_API int32_t ringattn_nccl_gather(ringattn_comm* comm, const void* send_buf, void* recv_buf, size_t bytes,
                                          int32_t root, ringattn_stream stream);

/**
 * Marks the communicator cancelled, from any thread and without blocking: every wait inside this
 * communicator's calls (non-blocking enqueue) and every later call returns RINGATTN_STATUS_ABORTED at
 * once. A watchdog calls it before taking the communicator's lock to ringattn_nccl_comm_abort it.
 */
RINGATTN_API int32_t ringattn_nccl_comm_cancel(ringattn_comm* comm);

/** Aborts the communicator (kills in-flight NCCL work) and frees it. The only safe exit after an error. */
RINGATTN_API int32_t ringattn_nccl_comm_abort(ringattn_comm* comm);

/** Flushes the communicator's pending work (ncclCommFinalize, waiting for non-blocking ones). Call before destroy. */
RINGATTN_API int32_t ringattn_nccl_comm_finalize(ringattn_comm* comm);

/** Frees the communicator (ncclCommDestroy). Finalize first for a clean exit. NULL is allowed. */
RINGATTN_API int32_t ringattn_nccl_comm_destroy(ringattn_comm* comm);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RINGATTN_SHIM_H */
