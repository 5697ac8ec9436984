// NCCL communicators and the ring exchange: one ncclGroupStart/End per step, holding the send to the next
// rank and the receive from the previous one, so the pair can never deadlock against a neighbour.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "cuda_check.h"

using ringattn::fail;
using ringattn::require;
using ringattn::require_not_null;

/** The opaque communicator behind ringattn_comm. */
struct ringattn_comm {
    ncclComm_t nccl = nullptr;
    int32_t rank = 0;
    int32_t nranks = 1;
    int32_t device = 0;
    bool blocking = true;
    int64_t timeout_ms = 0;  // non-blocking communicators only: how long to wait for NCCL to finish a call
    // Set by ringattn_nccl_comm_cancel from a watchdog thread while another thread may be inside a call
    // below: the only field two threads touch at once, hence atomic. NCCL itself is never called twice at once.
    std::atomic<bool> cancelled{false};
};

namespace {

static_assert(sizeof(ncclUniqueId) == sizeof(ringattn_nccl_unique_id), "ncclUniqueId is not 128 bytes");

/** Throws RINGATTN_STATUS_NCCL_ERROR with NCCL's own message if `result` is neither success nor in-progress. */
void check_nccl(ncclResult_t result, const char* what, ncclComm_t comm = nullptr) {
    if (result == ncclSuccess || result == ncclInProgress) return;
    std::string message = std::string(what) + " failed: " + ncclGetErrorString(result);
    if (comm != nullptr) {
        const char* last = ncclGetLastError(comm);
        if (last != nullptr && last[0] != '\0') message += std::string(" (") + last + ")";
    }
    fail(RINGATTN_STATUS_NCCL_ERROR, message);
}

/**
 * NVLink multicast (NVLS) can take shared machines' GPUs out of service, and ring send/recv never uses it:
 * force it off unless the user set the variable explicitly (overwrite = 0).
 */
void keep_nvls_off() { setenv("NCCL_NVLS_ENABLE", "0", 0); }

/** Throws RINGATTN_STATUS_ABORTED if a watchdog cancelled the communicator. */
void throw_if_cancelled(const ringattn_comm* comm) {
    if (comm != nullptr && comm->cancelled.load(std::memory_order_acquire))
        fail(RINGATTN_STATUS_ABORTED, "the communicator was cancelled (a peer failed); abort it");
}

/**
 * Polls a non-blocking communicator until its pending operation leaves ncclInProgress, `timeout_ms`
 * passes, or `owner` is cancelled (then throws RINGATTN_STATUS_ABORTED). Returns the final state;
 * ncclInProgress means the time ran out.
 */
ncclResult_t wait_while_in_progress(ncclComm_t comm, int64_t timeout_ms, const ringattn_comm* owner = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    ncclResult_t state = ncclInProgress;
    for (;;) {
        check_nccl(ncclCommGetAsyncError(comm, &state), "ncclCommGetAsyncError", comm);
        if (state != ncclInProgress) return state;
        throw_if_cancelled(owner);
        if (std::chrono::steady_clock::now() >= deadline) return ncclInProgress;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
}

/**
 * Finishes a call on `comm` that NCCL may have left in progress (non-blocking communicators return
 * ncclInProgress until the work is enqueued): waits up to the communicator's time limit, then checks.
 */
void complete_enqueue(ringattn_comm* comm, ncclResult_t result, const char* what) {
    if (!comm->blocking && result == ncclInProgress) {
        ncclResult_t state = wait_while_in_progress(comm->nccl, comm->timeout_ms, comm);
        if (state == ncclInProgress)
            fail(RINGATTN_STATUS_TIMEOUT, std::string(what) + " was not enqueued within " +
                                              std::to_string(comm->timeout_ms) + " ms; abort the communicator");
        result = state;
    }
    check_nccl(result, what, comm->nccl);
}

/** Element size of a reduction dtype (RINGATTN_DTYPE_*); throws INVALID_ARGUMENT naming the value otherwise. */
size_t checked_element_bytes(int32_t dtype) {
    switch (dtype) {
        case RINGATTN_DTYPE_FP32: return 4;
        case RINGATTN_DTYPE_BF16:
        case RINGATTN_DTYPE_FP16: return 2;
        default:
            fail(RINGATTN_STATUS_INVALID_ARGUMENT,
                 "dtype must be RINGATTN_DTYPE_FP32, RINGATTN_DTYPE_BF16 or RINGATTN_DTYPE_FP16, got " +
                     std::to_string(dtype));
    }
}

/** NCCL's type for a dtype already checked by checked_element_bytes. ncclBfloat16 exists since NCCL 2.10. */
ncclDataType_t nccl_type(int32_t dtype) {
    if (dtype == RINGATTN_DTYPE_FP32) return ncclFloat32;
    return dtype == RINGATTN_DTYPE_BF16 ? ncclBfloat16 : ncclFloat16;
}

/** The communicator a call may use: not null and not cancelled. */
ringattn_comm* usable(ringattn_comm* comm) {
    require_not_null(comm, "comm");
    throw_if_cancelled(comm);
    return comm;
}

ringattn_comm* wrap(ncclComm_t nccl, int32_t rank, int32_t nranks, int32_t device, bool blocking, int64_t timeout_ms) {
    auto* c = new ringattn_comm();
    c->nccl = nccl;
    c->rank = rank;
    c->nranks = nranks;
    c->device = device;
    c->blocking = blocking;
    c->timeout_ms = timeout_ms;
    return c;
}

void validate_init_args(const ringattn_nccl_unique_id* id, int32_t nranks, int32_t rank, int32_t device,
                        ringattn_comm** out) {
    require_not_null(id, "id");
    require_not_null(out, "out");
    require(nranks >= 1, "nranks must be >= 1, got " + std::to_string(nranks));
    require(rank >= 0 && rank < nranks,
            "rank " + std::to_string(rank) + " out of range [0, " + std::to_string(nranks) + ")");
    int count = 0;
    ringattn::check_cuda(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
    require(device >= 0 && device < count,
            "device " + std::to_string(device) + " out of range [0, " + std::to_string(count) + ")");
}

ringattn_comm* init_comm(const ringattn_nccl_unique_id* id, int32_t nranks, int32_t rank, int32_t device, bool blocking,
                         int64_t timeout_ms) {
    keep_nvls_off();
    ncclUniqueId nccl_id;
    std::memcpy(&nccl_id, id->bytes, sizeof(nccl_id));
    ringattn::DeviceGuard device_guard(device);  // NCCL binds the communicator to the current device

    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;  // built here: its layout is versioned, never in C#
    config.blocking = blocking ? 1 : 0;
    ncclComm_t comm = nullptr;
    ncclResult_t result = ncclCommInitRankConfig(&comm, nranks, nccl_id, rank, &config);
    if (!blocking && result == ncclInProgress) {
        ncclResult_t state = wait_while_in_progress(comm, timeout_ms);
        if (state == ncclInProgress) {
            (void)ncclCommAbort(comm);
            fail(RINGATTN_STATUS_TIMEOUT, "ncclCommInitRankConfig did not complete within " +
                                              std::to_string(timeout_ms) + " ms (rank " + std::to_string(rank) +
                                              " of " + std::to_string(nranks) + "); communicator aborted");
        }
        result = state;
    }
    if (result != ncclSuccess) {
        std::string message = std::string("ncclCommInitRankConfig failed: ") + ncclGetErrorString(result);
        if (comm != nullptr) {
            const char* last = ncclGetLastError(comm);
            if (last != nullptr && last[0] != '\0') message += std::string(" (") + last + ")";
            (void)ncclCommAbort(comm);
        }
        fail(RINGATTN_STATUS_NCCL_ERROR, message);
    }
    return wrap(comm, rank, nranks, device, blocking, timeout_ms);
}

}  // namespace

extern "C" {

RINGATTN_API int32_t ringattn_nccl_get_unique_id(ringattn_nccl_unique_id* out) {
    RINGATTN_GUARDED({
        require_not_null(out, "out");
        keep_nvls_off();
        ncclUniqueId id;
        check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
        std::memcpy(out->bytes, &id, sizeof(id));
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_init(const ringattn_nccl_unique_id* id, int32_t nranks, int32_t rank,
                                             int32_t device, ringattn_comm** out) {
    RINGATTN_GUARDED({
        validate_init_args(id, nranks, rank, device, out);
        *out = init_comm(id, nranks, rank, device, /*blocking=*/true, 0);
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_init_timeout(const ringattn_nccl_unique_id* id, int32_t nranks, int32_t rank,
                                                     int32_t device, int64_t timeout_ms, ringattn_comm** out) {
    RINGATTN_GUARDED({
        validate_init_args(id, nranks, rank, device, out);
        require(timeout_ms > 0, "timeout_ms must be > 0, got " + std::to_string(timeout_ms));
        *out = init_comm(id, nranks, rank, device, /*blocking=*/false, timeout_ms);
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_info(const ringattn_comm* comm, int32_t* rank, int32_t* nranks,
                                             int32_t* device) {
    RINGATTN_GUARDED({
        require_not_null(comm, "comm");
        if (rank != nullptr) *rank = comm->rank;
        if (nranks != nullptr) *nranks = comm->nranks;
        if (device != nullptr) *device = comm->device;
    });
}

RINGATTN_API int32_t ringattn_nccl_ring_exchange(ringattn_comm* comm, const void* send_buf, void* recv_buf,
                                                 size_t bytes, int32_t direction, ringattn_stream stream) {
    RINGATTN_GUARDED({
        usable(comm);
        require(direction == RINGATTN_RING_FORWARD || direction == RINGATTN_RING_BACKWARD,
                "direction must be RINGATTN_RING_FORWARD (0) or RINGATTN_RING_BACKWARD (1), got " +
                    std::to_string(direction));
        if (bytes == 0) return;
        require_not_null(send_buf, "send_buf");
        require_not_null(recv_buf, "recv_buf");
        const char* s = static_cast<const char*>(send_buf);
        const char* r = static_cast<const char*>(recv_buf);
        require(s + bytes <= r || r + bytes <= s, "send_buf and recv_buf overlap");

        const int32_t n = comm->nranks;
        const int32_t next = (comm->rank + 1) % n;
        const int32_t previous = (comm->rank - 1 + n) % n;
        const int32_t to = (direction == RINGATTN_RING_FORWARD) ? next : previous;
        const int32_t from = (direction == RINGATTN_RING_FORWARD) ? previous : next;

        ringattn::DeviceGuard device_guard(comm->device);
        cudaStream_t cuda_stream = static_cast<cudaStream_t>(stream);
        // Send and receive in one group: each blocks the GPU on its own, so they must be fused.
        check_nccl(ncclGroupStart(), "ncclGroupStart", comm->nccl);
        ncclResult_t send_result = ncclSend(send_buf, bytes, ncclUint8, to, comm->nccl, cuda_stream);
        ncclResult_t recv_result = ncclRecv(recv_buf, bytes, ncclUint8, from, comm->nccl, cuda_stream);
        ncclResult_t end_result = ncclGroupEnd();  // always close the group, even if a call above failed
        check_nccl(send_result, "ncclSend", comm->nccl);
        check_nccl(recv_result, "ncclRecv", comm->nccl);
        complete_enqueue(comm, end_result, "ring exchange");
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_split(ringattn_comm* parent, int32_t color, int32_t key, ringattn_comm** out) {
    RINGATTN_GUARDED({
        usable(parent);
        require_not_null(out, "out");
        *out = nullptr;
        ringattn::DeviceGuard device_guard(parent->device);
        // Where NCCL stores the new communicator. A non-blocking split stores it from NCCL's own thread, when its
        // init job ends, and a slot freed right after the pointer appeared was seen corrupting the heap (NCCL 2.28):
        // the slot is never freed. A job splits a few times, so this leaks a few pointers per process, on purpose.
        auto* slot = new ncclComm_t(nullptr);
        // config NULL: the child inherits the parent's configuration, non-blocking mode included.
        ncclResult_t result = ncclCommSplit(parent->nccl, color < 0 ? NCCL_SPLIT_NOCOLOR : color, key, slot, nullptr);
        // A non-blocking split completes on the parent first; only then is the child filled in (NCCL >= 2.23).
        complete_enqueue(parent, result, "ncclCommSplit");
        if (color < 0) return;  // NCCL_SPLIT_NOCOLOR: this rank is in no new communicator
        if (!parent->blocking) {
            // Non-blocking: NCCL's init job stores the child into the slot when it completes, which can be after the
            // parent already reads ncclSuccess (seen with NCCL 2.28): wait for the pointer itself, bounded.
            auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(parent->timeout_ms);
            while (__atomic_load_n(slot, __ATOMIC_ACQUIRE) == nullptr) {
                throw_if_cancelled(parent);
                ncclResult_t parent_state = ncclSuccess;
                check_nccl(ncclCommGetAsyncError(parent->nccl, &parent_state), "ncclCommGetAsyncError", parent->nccl);
                check_nccl(parent_state, "ncclCommSplit", parent->nccl);
                if (std::chrono::steady_clock::now() >= deadline)
                    fail(RINGATTN_STATUS_TIMEOUT, "ncclCommSplit did not make the new communicator within " +
                                                      std::to_string(parent->timeout_ms) + " ms");
                std::this_thread::sleep_for(std::chrono::microseconds(50));
            }
        }
        ncclComm_t child = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
        if (child == nullptr) fail(RINGATTN_STATUS_INTERNAL, "ncclCommSplit succeeded but made no communicator");
        if (!parent->blocking) {
            ncclResult_t state = wait_while_in_progress(child, parent->timeout_ms, parent);
            if (state != ncclSuccess) {
                (void)ncclCommAbort(child);
                if (state == ncclInProgress)
                    fail(RINGATTN_STATUS_TIMEOUT, "the communicator made by ncclCommSplit was not ready within " +
                                                      std::to_string(parent->timeout_ms) + " ms");
                check_nccl(state, "ncclCommSplit (new communicator)");
            }
        }
        int child_rank = 0;
        int child_size = 0;
        check_nccl(ncclCommUserRank(child, &child_rank), "ncclCommUserRank", child);
        check_nccl(ncclCommCount(child, &child_size), "ncclCommCount", child);
        *out = wrap(child, child_rank, child_size, parent->device, parent->blocking, parent->timeout_ms);
    });
}

RINGATTN_API int32_t ringattn_nccl_all_gather(ringattn_comm* comm, const void* send_buf, void* recv_buf, size_t bytes,
                                              ringattn_stream stream) {
    RINGATTN_GUARDED({
        usable(comm);
        if (bytes == 0) return;
        require_not_null(send_buf, "send_buf");
        require_not_null(recv_buf, "recv_buf");
        ringattn::DeviceGuard device_guard(comm->device);
        ncclResult_t result =
            ncclAllGather(send_buf, recv_buf, bytes, ncclUint8, comm->nccl, static_cast<cudaStream_t>(stream));
        complete_enqueue(comm, result, "ncclAllGather");
    });
}

RINGATTN_API int32_t ringattn_nccl_reduce_scatter(ringattn_comm* comm, const void* send_buf, void* recv_buf,
                                                  size_t count, int32_t dtype, ringattn_stream stream) {
    RINGATTN_GUARDED({
        usable(comm);
        const size_t element_bytes = checked_element_bytes(dtype);
        if (count == 0) return;
        require_not_null(send_buf, "send_buf");
        require_not_null(recv_buf, "recv_buf");
        const size_t n = static_cast<size_t>(comm->nranks);
        require(count <= SIZE_MAX / element_bytes / n, "count " + std::to_string(count) + " overflows send_buf's size");
        // NCCL allows exactly one overlap: recv_buf is this rank's own block of send_buf (in place).
        const char* s = static_cast<const char*>(send_buf);
        const char* r = static_cast<const char*>(recv_buf);
        const size_t block = count * element_bytes;
        const bool in_place = r == s + static_cast<size_t>(comm->rank) * block;
        require(in_place || s + n * block <= r || r + block <= s,
                "recv_buf overlaps send_buf other than as this rank's block (send_buf + rank * count)");
        ringattn::DeviceGuard device_guard(comm->device);
        ncclResult_t result = ncclReduceScatter(send_buf, recv_buf, count, nccl_type(dtype), ncclSum, comm->nccl,
                                                static_cast<cudaStream_t>(stream));
        complete_enqueue(comm, result, "ncclReduceScatter");
    });
}

RINGATTN_API int32_t ringattn_nccl_all_to_all(ringattn_comm* comm, const void* send_buf, void* recv_buf, size_t bytes,
                                              ringattn_stream stream) {
    RINGATTN_GUARDED({
        usable(comm);
        if (bytes == 0) return;
        require_not_null(send_buf, "send_buf");
        require_not_null(recv_buf, "recv_buf");
        const size_t n = static_cast<size_t>(comm->nranks);
        require(bytes <= SIZE_MAX / n, "bytes " + std::to_string(bytes) + " times nranks overflows");
        const char* s = static_cast<const char*>(send_buf);
        char* r = static_cast<char*>(recv_buf);
        const size_t total = n * bytes;
        require(s + total <= r || r + total <= s, "send_buf and recv_buf overlap");
        ringattn::DeviceGuard device_guard(comm->device);
        cudaStream_t cuda_stream = static_cast<cudaStream_t>(stream);
        const size_t self = static_cast<size_t>(comm->rank) * bytes;
        // The own block never crosses ranks: a plain copy, and NCCL moves only the n - 1 others.
        ringattn::check_cuda(cudaMemcpyAsync(r + self, s + self, bytes, cudaMemcpyDeviceToDevice, cuda_stream),
                             "cudaMemcpyAsync");
        // ncclAlltoAll exists only from NCCL 2.28; a group of send/recv pairs does the same on any NCCL >= 2.7, and
        // NCCL schedules all of a group's pairs together, so no ordering of the peers can deadlock.
        check_nccl(ncclGroupStart(), "ncclGroupStart", comm->nccl);
        ncclResult_t first_error = ncclSuccess;
        auto keep = [&first_error](ncclResult_t result) {
            if (first_error == ncclSuccess && result != ncclSuccess && result != ncclInProgress) first_error = result;
        };
        for (int32_t peer = 0; peer < comm->nranks; ++peer) {
            if (peer == comm->rank) continue;
            const size_t at = static_cast<size_t>(peer) * bytes;
            keep(ncclSend(s + at, bytes, ncclUint8, peer, comm->nccl, cuda_stream));
            keep(ncclRecv(r + at, bytes, ncclUint8, peer, comm->nccl, cuda_stream));
        }
        ncclResult_t end_result = ncclGroupEnd();  // always close the group, even if a call above failed
        check_nccl(first_error, "ncclSend/ncclRecv", comm->nccl);
        complete_enqueue(comm, end_result, "all-to-all");
    });
}

RINGATTN_API int32_t ringattn_nccl_gather(ringattn_comm* comm, const void* send_buf, void* recv_buf, size_t bytes,
                                          int32_t root, ringattn_stream stream) {
    RINGATTN_GUARDED({
        usable(comm);
        require(root >= 0 && root < comm->nranks,
                "root " + std::to_string(root) + " out of range [0, " + std::to_string(comm->nranks) + ")");
        if (bytes == 0) return;
        require_not_null(send_buf, "send_buf");
        const bool is_root = comm->rank == root;
        if (is_root) require_not_null(recv_buf, "recv_buf");
        ringattn::DeviceGuard device_guard(comm->device);
        cudaStream_t cuda_stream = static_cast<cudaStream_t>(stream);
        char* gathered = static_cast<char*>(recv_buf);
        if (is_root) {
            // The root's own piece is a plain copy; NCCL moves only what crosses ranks.
            ringattn::check_cuda(cudaMemcpyAsync(gathered + static_cast<size_t>(root) * bytes, send_buf, bytes,
                                                 cudaMemcpyDeviceToDevice, cuda_stream),
                                 "cudaMemcpyAsync");
        }
        check_nccl(ncclGroupStart(), "ncclGroupStart", comm->nccl);
        ncclResult_t first_error = ncclSuccess;
        auto keep = [&first_error](ncclResult_t r) {
            if (first_error == ncclSuccess && r != ncclSuccess && r != ncclInProgress) first_error = r;
        };
        if (is_root) {
            for (int32_t r = 0; r < comm->nranks; ++r) {
                if (r == root) continue;
                keep(ncclRecv(gathered + static_cast<size_t>(r) * bytes, bytes, ncclUint8, r, comm->nccl, cuda_stream));
            }
        } else {
            keep(ncclSend(send_buf, bytes, ncclUint8, root, comm->nccl, cuda_stream));
        }
        ncclResult_t end_result = ncclGroupEnd();  // always close the group
        check_nccl(first_error, "ncclSend/ncclRecv", comm->nccl);
        complete_enqueue(comm, end_result, "gather");
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_cancel(ringattn_comm* comm) {
    RINGATTN_GUARDED({
        require_not_null(comm, "comm");
        comm->cancelled.store(true, std::memory_order_release);
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_async_error(ringattn_comm* comm, int32_t* nccl_result) {
    RINGATTN_GUARDED({
        require_not_null(comm, "comm");
        require_not_null(nccl_result, "nccl_result");
        ncclResult_t state = ncclSuccess;
        check_nccl(ncclCommGetAsyncError(comm->nccl, &state), "ncclCommGetAsyncError", comm->nccl);
        *nccl_result = static_cast<int32_t>(state);
        check_nccl(state, "communicator (asynchronous error)", comm->nccl);
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_abort(ringattn_comm* comm) {
    RINGATTN_GUARDED({
        require_not_null(comm, "comm");
        ncclResult_t result = ncclCommAbort(comm->nccl);
        delete comm;  // the NCCL communicator is gone whatever abort returned
        check_nccl(result, "ncclCommAbort");
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_finalize(ringattn_comm* comm) {
    RINGATTN_GUARDED({
        require_not_null(comm, "comm");
        ringattn::DeviceGuard device_guard(comm->device);
        ncclResult_t result = ncclCommFinalize(comm->nccl);
        if (!comm->blocking && result == ncclInProgress) {
            result = wait_while_in_progress(comm->nccl, comm->timeout_ms, comm);
            if (result == ncclInProgress)
                fail(RINGATTN_STATUS_TIMEOUT, "ncclCommFinalize did not complete within " +
                                                  std::to_string(comm->timeout_ms) + " ms; abort the communicator");
        }
        check_nccl(result, "ncclCommFinalize", comm->nccl);
    });
}

RINGATTN_API int32_t ringattn_nccl_comm_destroy(ringattn_comm* comm) {
    RINGATTN_GUARDED({
        if (comm == nullptr) return;
        ringattn::DeviceGuard device_guard(comm->device);
        ncclResult_t result = ncclCommDestroy(comm->nccl);
        delete comm;
        check_nccl(result, "ncclCommDestroy");
    });
}

}  // extern "C"
