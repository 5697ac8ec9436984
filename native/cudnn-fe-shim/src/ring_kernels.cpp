// C API of the ring kernels (merge, accumulate, cast): argument validation, then one
// launch whose cudaGetLastError is turned into a status and message.
#include <string>

#include "../kernels/launchers.h"
#include "cuda_check.h"

namespace {

using ringattn::require;
using ringattn::require_not_null;
using ringattn::kernels::Dtype;
using ringattn::kernels::View4d;

std::string dims_text(const int64_t* d) {
    return "[" + std::to_string(d[0]) + ", " + std::to_string(d[1]) + ", " + std::to_string(d[2]) + ", " +
           std::to_string(d[3]) + "]";
}

/** Checks a tensor descriptor and converts it to the kernels' view. */
View4d to_view(const ringattn_tensor_desc* desc, const char* name) {
    require_not_null(desc, name);
    for (int i = 0; i < 4; ++i) {
        require(desc->dims[i] > 0, std::string(name) + ".dims must all be > 0, got " + dims_text(desc->dims));
        require(desc->strides[i] >= 0,
                std::string(name) + ".strides must all be >= 0, got " + dims_text(desc->strides));
    }
    require(
        desc->dtype == RINGATTN_DTYPE_BF16 || desc->dtype == RINGATTN_DTYPE_FP16 || desc->dtype == RINGATTN_DTYPE_FP32,
        std::string(name) + ".dtype is not a RINGATTN_DTYPE_* value: " + std::to_string(desc->dtype));
    View4d view{};
    for (int i = 0; i < 4; ++i) {
        view.dims[i] = desc->dims[i];
        view.strides[i] = desc->strides[i];
    }
    return view;
}

void require_same_dims(const ringattn_tensor_desc* a, const char* a_name, const ringattn_tensor_desc* b,
                       const char* b_name) {
    for (int i = 0; i < 4; ++i)
        require(a->dims[i] == b->dims[i], std::string(a_name) + ".dims " + dims_text(a->dims) + " differ from " +
                                              b_name + ".dims " + dims_text(b->dims));
}

void require_fp32(const ringattn_tensor_desc* desc, const char* name) {
    require(desc->dtype == RINGATTN_DTYPE_FP32, std::string(name) + ".dtype must be RINGATTN_DTYPE_FP32");
}

void check_launch(cudaError_t result, const char* kernel) { ringattn::check_cuda(result, kernel); }

/**
 * A launch is checked with cudaGetLastError, which also returns an error some earlier runtime call on this
 * thread left behind (a bad handle passed elsewhere, a library's own probing). Clear it first, so that a launch
 * reports only its own failure.
 */
void clear_stale_error() { (void)cudaGetLastError(); }

cudaStream_t as_stream(ringattn_stream s) { return static_cast<cudaStream_t>(s); }

}  // namespace

extern "C" {

RINGATTN_API int32_t ringattn_merge_init(const ringattn_tensor_desc* acc, float* o_acc, float* lse_acc,
                                         ringattn_stream stream) {
    RINGATTN_GUARDED({
        View4d acc_view = to_view(acc, "acc");
        require_fp32(acc, "acc");
        require_not_null(o_acc, "o_acc");
        require_not_null(lse_acc, "lse_acc");
        clear_stale_error();
        check_launch(ringattn::kernels::launch_merge_init(o_acc, acc_view, lse_acc, as_stream(stream)),
                     "merge_init kernel launch");
    });
}

RINGATTN_API int32_t ringattn_lse_merge(const ringattn_tensor_desc* part, const void* o_part, const float* lse_part,
                                        const ringattn_tensor_desc* acc, float* o_acc, float* lse_acc,
                                        int64_t row_begin, ringattn_stream stream) {
    RINGATTN_GUARDED({
        View4d part_view = to_view(part, "part");
        View4d acc_view = to_view(acc, "acc");
        require_fp32(acc, "acc");
        require_not_null(o_part, "o_part");
        require_not_null(lse_part, "lse_part");
        require_not_null(o_acc, "o_acc");
        require_not_null(lse_acc, "lse_acc");
        require(part->dims[0] == acc->dims[0] && part->dims[1] == acc->dims[1] && part->dims[3] == acc->dims[3],
                "part.dims " + dims_text(part->dims) + " and acc.dims " + dims_text(acc->dims) +
                    " must agree in b, h and d");
        require(row_begin >= 0 && row_begin + part->dims[2] <= acc->dims[2],
                "rows [" + std::to_string(row_begin) + ", " + std::to_string(row_begin + part->dims[2]) +
                    ") do not fit the accumulator's " + std::to_string(acc->dims[2]) + " rows");
        clear_stale_error();
        check_launch(ringattn::kernels::launch_lse_merge(static_cast<Dtype>(part->dtype), o_part, part_view, lse_part,
                                                         o_acc, acc_view, lse_acc, row_begin, as_stream(stream)),
                     "lse_merge kernel launch");
    });
}

RINGATTN_API int32_t ringattn_merge_finalize(const ringattn_tensor_desc* acc, const float* o_acc, const float* lse_acc,
                                             const ringattn_tensor_desc* out, void* o_out, ringattn_stream stream) {
    RINGATTN_GUARDED({
        View4d acc_view = to_view(acc, "acc");
        View4d out_view = to_view(out, "out");
        require_fp32(acc, "acc");
        require_same_dims(acc, "acc", out, "out");
        require_not_null(o_acc, "o_acc");
        require_not_null(lse_acc, "lse_acc");
        require_not_null(o_out, "o_out");
        clear_stale_error();
        check_launch(ringattn::kernels::launch_merge_finalize(o_acc, acc_view, lse_acc, static_cast<Dtype>(out->dtype),
                                                              o_out, out_view, as_stream(stream)),
                     "merge_finalize kernel launch");
    });
}

RINGATTN_API int32_t ringattn_accumulate(const ringattn_tensor_desc* acc, float* acc_ptr,
                                         const ringattn_tensor_desc* src, const void* src_ptr, ringattn_stream stream) {
    RINGATTN_GUARDED({
        View4d acc_view = to_view(acc, "acc");
        View4d src_view = to_view(src, "src");
        require_fp32(acc, "acc");
        require_same_dims(acc, "acc", src, "src");
        require_not_null(acc_ptr, "acc_ptr");
        require_not_null(src_ptr, "src_ptr");
        clear_stale_error();
        check_launch(ringattn::kernels::launch_accumulate(acc_ptr, acc_view, static_cast<Dtype>(src->dtype), src_ptr,
                                                          src_view, as_stream(stream)),
                     "accumulate kernel launch");
    });
}

RINGATTN_API int32_t ringattn_cast(const ringattn_tensor_desc* src, const void* src_ptr,
                                   const ringattn_tensor_desc* dst, void* dst_ptr, ringattn_stream stream) {
    RINGATTN_GUARDED({
        View4d src_view = to_view(src, "src");
        View4d dst_view = to_view(dst, "dst");
        require_same_dims(src, "src", dst, "dst");
        require_not_null(src_ptr, "src_ptr");
        require_not_null(dst_ptr, "dst_ptr");
        clear_stale_error();
        check_launch(
            ringattn::kernels::launch_cast(static_cast<Dtype>(src->dtype), src_ptr, src_view,
                                           static_cast<Dtype>(dst->dtype), dst_ptr, dst_view, as_stream(stream)),
            "cast kernel launch");
    });
}

}  // extern "C"
